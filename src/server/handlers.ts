// msw handlers that play a BITS server speaking MC-BUP, for one job: sessions, fragments, the post to
// the server application, relayed outcomes, reply downloads, and scripted faults. Every request goes
// into the ledger, with what the judge needs to check the client's packets.
import { createHash } from 'node:crypto';
import { HttpHandler, HttpResponse, type RequestHandler } from 'msw';
import {
  BITS_PROTOCOL_GUID,
  HEADER,
  HRESULT,
  offersBitsProtocol,
  parseContentRange,
  parsePacketType,
  parseHresult,
  type ContentRange,
  type PacketType,
} from '../protocol/index.js';
import { ack, applicationErrorAck, serverError } from './acks.js';
import { farmHostFor } from './farm.js';
import type { RelayForm } from './relay-forms.js';
import type { ServerApplication } from './application.js';
import { describeFault, FaultScript, type Fault, type FaultAction } from './faults.js';
import { Ledger, type LedgerEntry, type LedgerResponse } from './ledger.js';
import { requestOrigin } from './origin.js';
import { SessionTable, sessionIdOf, type Session, type SessionScope } from './sessions.js';

export interface BitsServerOptions {
  /** Base URL the job's URL lives under, e.g. `http://case-17.bits.test`. Requests elsewhere are not ours. */
  origin: string;
  application: ServerApplication;
  relay: RelayForm;
  /** Clock for the ledger; the harness passes its case clock. */
  now: () => number;
  /** Packets to answer with a scripted fault instead of the normal answer. */
  faults?: readonly Fault[];
  /**
   * Play a server farm: the Create-Session Ack names another host in BITS-Host-Id (`localhost` for a
   * server on 127.0.0.1, `farm-<host>` otherwise), and the server answers on that host too.
   */
  hostId?: boolean;
  /**
   * The server keeps at most this many new bytes of any one fragment and acknowledges the offset it holds
   * (legal MC-BUP: BITS-Received-Content-Range names where to continue), so a client that sends the whole
   * file in one fragment still uploads it in pieces.
   */
  acceptAtMost?: number;
  /** Where a session id is honoured: on any connection (default) or only on the one that created it. */
  sessionScope?: SessionScope;
  /**
   * For a long-running server: at most this many sessions (the oldest is forgotten first) and ledger
   * entries (a ring). Default: everything is kept, as the judge of a case needs.
   */
  retain?: { sessions: number; ledgerEntries: number };
}

export interface BitsServer {
  /** The msw handlers that serve it (in a pool, shared with the pool's other servers). */
  handlers: RequestHandler[];
  ledger: Ledger;
  sessions: ReadonlyMap<string, Readonly<Session>>;
  /** Requests of this server whose answer the handlers are still preparing. */
  inFlight(): number;
  /** Exceptions thrown inside the handlers while answering this server's requests: harness errors. */
  handlerErrors: readonly string[];
}

const REPLY_PATH = '/__bits-reply/';

/** The server of one job: its sessions, the application it posts to, its ledger, its scripted faults. */
class BitsServerModel {
  readonly ledger: Ledger;
  readonly table: SessionTable;
  private readonly replies = new Map<string, Uint8Array>();
  private readonly faults: FaultScript;
  private readonly relay: RelayForm;
  readonly farmHost: string | undefined;

  constructor(private readonly options: BitsServerOptions) {
    this.ledger = new Ledger(options.now, options.retain?.ledgerEntries);
    this.table = new SessionTable(options.sessionScope ?? 'server', options.retain?.sessions ?? Infinity, (id) => this.replies.delete(id));
    this.faults = new FaultScript(options.faults);
    this.relay = options.relay;
    this.farmHost = options.hostId ? farmHostFor(options.origin) : undefined;
  }

  private sessionNotFound = (): Response => serverError(this.relay, 500, HRESULT.BG_E_SESSION_NOT_FOUND);
  private badRequest = (): Response => serverError(this.relay, 400, HRESULT.E_INVALIDARG);
  private receivedRange = (session: Session): Record<string, string> => ({ [HEADER.receivedContentRange]: String(session.received) });

  private createSession(request: Request): Response {
    if (!offersBitsProtocol(request.headers.get(HEADER.supportedProtocols))) return this.badRequest();
    const { id } = this.table.create(request);
    return ack(200, { [HEADER.protocol]: BITS_PROTOCOL_GUID, [HEADER.sessionId]: id, ...(this.farmHost ? { [HEADER.hostId]: this.farmHost } : {}) });
  }

  /** A Fragment: the faults that come before the bytes, the bytes, then the Ack (or the post, for the final one). */
  private fragment(request: Request, body: Uint8Array, range: ContentRange | undefined, entry: LedgerEntry, fault: FaultAction | undefined): Response {
    const session = this.table.open(request);
    if (!session) return sessionIdOf(request) ? this.sessionNotFound() : this.badRequest();
    const before = session.received;
    entry.receivedBefore = before;
    if (fault?.kind === 'forget-session') {
      session.state = 'forgotten';
      return this.sessionNotFound();
    }
    if (fault?.kind === 'gap') {
      truncate(session, Math.floor(session.received / 2));
      return serverError(this.relay, 416, undefined, fault.received === 'none' ? {} : this.receivedRange(session));
    }
    if (!range || body.byteLength !== range.last - range.first + 1) return this.badRequest();
    if (session.total !== undefined && session.total !== range.total) return this.badRequest();
    session.total = range.total;
    // The server keeps only a contiguous prefix: a gap is answered with where to resume.
    if (range.first > session.received) return serverError(this.relay, 416, undefined, this.receivedRange(session));
    accept(session, range, body, this.options.acceptAtMost);
    const final = range.last + 1 === range.total && session.received === range.total;
    const answered = this.faultAck(session, range, before, final, fault);
    if (answered) return answered;
    if (!final) return ack(200, this.receivedRange(session));
    return this.postToApplication(request, session, entry, fault);
  }

  /** The Ack a scripted fault gives a fragment the server took, if the fault changes it. */
  private faultAck(session: Session, range: ContentRange, before: number, final: boolean, fault: FaultAction | undefined): Response | undefined {
    if (fault?.kind === 'stall' && !final) {
      truncate(session, before);
      return ack(200, this.receivedRange(session));
    }
    if (fault?.kind === 'bad-ack' && !final) {
      return ack(200, fault.received === 'none' ? {} : { [HEADER.receivedContentRange]: String(range.total + 1000) });
    }
    if (fault?.kind === 'behind') {
      truncate(session, Math.floor(session.received / 2));
      return ack(200, this.receivedRange(session));
    }
    return undefined;
  }

  /** Every final fragment, first or re-sent, posts the file to the application ([PMU], MC-BUP 3.2.5.1.3). */
  private postToApplication(request: Request, session: Session, entry: LedgerEntry, fault: FaultAction | undefined): Response {
    const answer = this.options.application.notify({ sessionId: session.id, url: request.url, file: session.data });
    this.ledger.noteNotification(entry, answer.status, createHash('sha256').update(session.data).digest('hex'));
    if (answer.status !== 200) return applicationErrorAck(this.relay, answer.status);
    if (!answer.reply || fault?.kind === 'no-reply-url') return ack(200, this.receivedRange(session));
    this.replies.set(session.id, answer.reply);
    return ack(200, { ...this.receivedRange(session), [HEADER.replyUrl]: `${this.options.origin}${REPLY_PATH}${encodeURIComponent(session.id)}` });
  }

  /** Whether a Fragment would leave the server holding the whole file (what makes it final, for faults). */
  private completesFile(request: Request, range: ContentRange | undefined): boolean {
    const session = this.table.open(request);
    if (!session || !range || range.last + 1 !== range.total || range.first > session.received) return false;
    const cap = this.options.acceptAtMost === undefined ? Infinity : session.received + this.options.acceptAtMost;
    return Math.max(session.received, Math.min(range.last + 1, cap)) === range.total;
  }

  private endSession(request: Request, state: 'closed' | 'cancelled', entry: LedgerEntry): Response {
    const session = this.table.open(request);
    if (!session) return this.sessionNotFound();
    entry.receivedBefore = session.received;
    this.table.end(session, state);
    return ack(200, { [HEADER.sessionId]: session.id });
  }

  /** Records a BITS_POST in the ledger, with what the judge needs to check the packet. */
  private record(request: Request, packetType: PacketType | undefined, range: ContentRange | undefined, bodyLength: number): LedgerEntry {
    const sessionId = request.headers.get(HEADER.sessionId) ?? undefined;
    const origin = requestOrigin(request);
    return this.ledger.record({
      method: request.method,
      url: request.url,
      packetType: packetType ?? 'unknown',
      ...optional('sessionId', sessionId),
      ...optional('sessionIssued', sessionId === undefined ? undefined : this.table.issued(sessionId)),
      ...optional('offeredProtocol', packetType === 'Create-Session' ? offersBitsProtocol(request.headers.get(HEADER.supportedProtocols)) : undefined),
      ...optional('range', range),
      ...optional('contentRange', request.headers.get(HEADER.contentRange) ?? undefined),
      bodyLength,
      ...optional('connection', origin?.connection),
      ...optional('contentLengthSent', origin?.contentLengthSent),
    });
  }

  readonly onBitsPost = async ({ request }: { request: Request }): Promise<Response> => {
    // No answer within the same turn of the event loop, as over a network: in-process, a client that
    // loops on answers would otherwise run on microtasks alone and starve the harness that watches it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const body = new Uint8Array(await request.arrayBuffer());
    const packetType = parsePacketType(request.headers.get(HEADER.packetType));
    const range = parseContentRange(request.headers.get(HEADER.contentRange));
    const entry = this.record(request, packetType, range, body.byteLength);
    const fault = packetType && packetType !== 'Ack' ? this.faults.take(packetType, packetType === 'Fragment' && this.completesFile(request, range)) : undefined;
    if (fault) entry.fault = describeFault(fault);
    if (fault?.kind === 'drop') {
      entry.response = { status: 0 };
      return HttpResponse.error();
    }
    const response = fault?.kind === 'server-error' && packetType !== 'Fragment' ? serverError(this.relay, fault.status, fault.code) : this.answer(packetType, request, body, range, entry, fault);
    entry.response = describe(response);
    return response;
  };

  private answer(type: PacketType | undefined, request: Request, body: Uint8Array, range: ContentRange | undefined, entry: LedgerEntry, fault: FaultAction | undefined): Response {
    switch (type) {
      case 'Ping':
        return ack(200);
      case 'Create-Session':
        return this.createSession(request);
      case 'Fragment':
        if (fault?.kind === 'server-error') {
          const session = this.table.open(request);
          if (session) entry.receivedBefore = session.received;
          return serverError(this.relay, fault.status, fault.code);
        }
        return this.fragment(request, body, range, entry, fault);
      case 'Close-Session':
        return this.endSession(request, 'closed', entry);
      case 'Cancel-Session':
        return this.endSession(request, 'cancelled', entry);
      default:
        return this.badRequest();
    }
  }

  /** A plain GET of the reply an upload-reply job downloads (BITS-Reply-URL). */
  readonly onReplyDownload = ({ request, params }: { request: Request; params: Record<string, unknown> }): Response => {
    const sessionId = decodeURIComponent(String(params.session));
    const reply = this.replies.get(sessionId);
    const connection = requestOrigin(request)?.connection;
    const entry = this.ledger.record({ method: 'GET', url: request.url, packetType: 'GET', sessionId, bodyLength: 0, ...optional('connection', connection) });
    const response = reply ? new HttpResponse(reply, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } }) : new HttpResponse(null, { status: 404 });
    entry.response = { status: response.status };
    return response;
  };
}

/** Keeps only the first `length` bytes: the server lost the rest. */
function truncate(session: Session, length: number): void {
  session.received = length;
  session.data = session.data.slice(0, length);
}

/** Writes the new bytes of a fragment (an overlap writes only the new ones), at most `acceptAtMost` of them. */
function accept(session: Session, range: ContentRange, body: Uint8Array, acceptAtMost: number | undefined): void {
  const end = Math.min(range.last + 1, acceptAtMost === undefined ? Infinity : session.received + acceptAtMost);
  if (end <= session.received) return;
  const grown = new Uint8Array(end);
  grown.set(session.data.subarray(0, session.received));
  grown.set(body.subarray(session.received - range.first, end - range.first), session.received);
  session.data = grown;
  session.received = end;
}

/** A job's server in a pool: where its requests come from, and what the harness reads of it. */
interface PoolMember {
  model: BitsServerModel;
  server: BitsServer;
  /** The reply downloads live under the job's own base URL only, not the farm's. */
  replies: boolean;
}

/** Requests whose answer the handlers are preparing, and what went wrong in them, per job. */
interface MemberState {
  inFlight: number;
  errors: string[];
}

/** `/__bits-reply/<session>`, an optional trailing slash: what msw's `:session` path parameter matched. */
const REPLY_ROUTE = /^\/__bits-reply\/([^/#?]+?)\/?$/i;

/**
 * The BITS servers of many jobs behind one set of msw handlers, built once: each request goes to the job
 * whose base URL it names (an origin, or an origin and a first path segment such as `/case-17`). Building
 * handlers costs msw a stack capture each, and a string path costs a pattern compile on every request:
 * a pool builds two handlers for a whole run and matches by a map lookup. Requests under no job's base
 * URL match no handler, as before.
 */
export class BitsServerPool {
  readonly handlers: RequestHandler[];
  private readonly members = new Map<string, PoolMember>();
  private readonly routed = new WeakMap<Request, PoolMember>();
  private readonly state = new WeakMap<BitsServerModel, MemberState>();

  constructor() {
    const bitsPost = new HttpHandler(/^BITS_POST$/, ({ request }) => this.claim(request, false), ({ request }) => this.serve(request, (m) => m.onBitsPost({ request })));
    const replyDownload = new HttpHandler('GET', ({ request }) => this.claimReply(request), ({ request, params }) =>
      this.serve(request, (m) => m.onReplyDownload({ request, params })),
    );
    this.handlers = [bitsPost, replyDownload];
  }

  /** Serves a job's server under `options.origin` (and its farm host) until close(). */
  open(options: BitsServerOptions): BitsServer & { close(): void } {
    const model = new BitsServerModel(options);
    const farmOrigin = model.farmHost ? Object.assign(new URL(options.origin), { hostname: model.farmHost }).href.replace(/\/$/, '') : undefined;
    const state: MemberState = { inFlight: 0, errors: [] };
    const server: BitsServer = {
      handlers: this.handlers,
      ledger: model.ledger,
      sessions: model.table.sessions,
      inFlight: () => state.inFlight,
      handlerErrors: state.errors,
    };
    this.state.set(model, state);
    const keys = [baseKey(options.origin), ...(farmOrigin ? [baseKey(farmOrigin)] : [])];
    keys.forEach((key, i) => this.members.set(key, { model, server, replies: i === 0 }));
    return {
      ...server,
      close: () => {
        for (const key of keys) if (this.members.get(key)?.model === model) this.members.delete(key);
      },
    };
  }

  /** The member whose base URL holds this URL: its origin alone, or its origin and first path segment. */
  private memberOf(url: URL): { member: PoolMember; rest: string } | undefined {
    const byOrigin = this.members.get(url.origin.toLowerCase());
    if (byOrigin) return { member: byOrigin, rest: url.pathname };
    const slash = url.pathname.indexOf('/', 1);
    if (slash < 0) return undefined; // `${base}/*` needs the slash after the base
    const member = this.members.get(`${url.origin}${url.pathname.slice(0, slash)}`.toLowerCase());
    return member ? { member, rest: url.pathname.slice(slash) } : undefined;
  }

  private claim(request: Request, replies: boolean): boolean {
    const found = this.memberOf(new URL(request.url));
    if (!found || (replies && !found.member.replies)) return false;
    this.routed.set(request, found.member);
    return true;
  }

  /** A reply download: a GET of `${base}/__bits-reply/:session` on the job's own base URL. */
  private claimReply(request: Request): { matches: boolean; params: Record<string, string> } {
    const found = this.memberOf(new URL(request.url));
    const session = found?.member.replies ? REPLY_ROUTE.exec(found.rest)?.[1] : undefined;
    if (!found || session === undefined) return { matches: false, params: {} };
    this.routed.set(request, found.member);
    // As msw decodes a path parameter.
    return { matches: true, params: { session: decodeURIComponent(session) } };
  }

  /** Runs a member's handler, counting it in flight and keeping what it threw (msw answers that with a 500). */
  private async serve(request: Request, answer: (model: BitsServerModel) => Response | Promise<Response>): Promise<Response> {
    const member = this.routed.get(request)!;
    const state = this.state.get(member.model)!;
    state.inFlight += 1;
    try {
      return await answer(member.model);
    } catch (error) {
      state.errors.push(`BITS server handler threw: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      state.inFlight -= 1;
    }
  }
}

/** A base URL as the pool keys it: msw matched paths without regard to case. */
function baseKey(base: string): string {
  const url = new URL(base);
  return `${url.origin}${url.pathname.replace(/\/$/, '')}`.toLowerCase();
}

/** One job's BITS server with handlers of its own (a pool of one). */
export function createBitsServer(options: BitsServerOptions): BitsServer {
  const { close: _unused, ...server } = new BitsServerPool().open(options);
  return server;
}

function describe(response: Response): LedgerResponse {
  const h = response.headers;
  const code = parseHresult(h.get(HEADER.errorCode) ?? h.get(HEADER.errorCodeAlt));
  const context = parseHresult(h.get(HEADER.errorContext));
  const received = h.get(HEADER.receivedContentRange);
  const replyUrl = h.get(HEADER.replyUrl);
  const sessionId = h.get(HEADER.sessionId);
  return {
    status: response.status,
    ...optional('sessionId', sessionId?.trim() || undefined),
    ...optional('errorCode', code),
    ...optional('errorContext', context),
    ...optional('receivedRange', received === null ? undefined : Number(received)),
    ...optional('replyUrl', replyUrl ?? undefined),
  };
}

/** `{ key: value }` when value is defined, `{}` otherwise. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
