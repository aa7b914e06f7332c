// `serve`: the suite's BITS server on 127.0.0.1 with a scripted server application, for a client author
// debugging by hand (curl, or their client): every request and its answer is printed as it happens.
// The same msw handlers and TCP transport the suite uses for clients in other processes.
import { HttpHandler, HttpResponse, getResponse } from 'msw';
import { BITS_PROTOCOL_GUID } from '../protocol/index.js';
import { createBitsServer, RELAY_FORMS, ScriptedApplication, type BitsServer, type LedgerEntry, type RelayForm } from '../server/index.js';
import { startWireServer, type WireRequestInfo, type WireServer } from '../wire/index.js';
import { OptionError } from './options.js';

/** `serve` listens on the loopback interface only: it is a debugging aid, never a public server. */
const SERVE_HOST = '127.0.0.1';

export interface ServeOptions {
  appStatus?: string | undefined;
  relay?: string | undefined;
  port?: string | undefined;
}

export function parseScript(text: string | undefined): number[] {
  if (text === undefined) return [200];
  const items = text.split(',').map((s) => s.trim());
  return items.map((item) => {
    if (!/^\d{3}$/.test(item) || Number(item) < 100 || Number(item) > 599) throw new OptionError(`--app-status: '${item}' is not an application status 100-599 (give a list such as 503,200)`);
    return Number(item);
  });
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

/** One ledger entry as a line: the request, what the application answered, and the Ack. */
export function requestLine(e: LedgerEntry, elapsedMs: number): string {
  const at = `[${(elapsedMs / 1000).toFixed(3)} s]`;
  const range = e.range ? ` bytes ${e.range.first}-${e.range.last}/${e.range.total}` : '';
  const session = e.sessionId ? ` session ${e.sessionId}` : '';
  const post = e.notification ? ` -> application post #${e.notification.count} answered ${e.notification.status}` : '';
  const r = e.response;
  let answer = '-> (no answer)';
  if (r) {
    const parts = [`${r.status}`];
    if (e.packetType !== 'GET') parts.push('Ack');
    if (r.receivedRange !== undefined) parts.push(`received ${r.receivedRange}`);
    if (r.errorCode !== undefined) parts.push(`error ${hex(r.errorCode)}`);
    if (r.errorContext !== undefined) parts.push(`context ${hex(r.errorContext).replace(/^0x0+/, '0x')}`);
    if (r.replyUrl) parts.push(`reply ${r.replyUrl}`);
    answer = `=> ${parts.join(' ')}`;
  }
  const what = e.packetType === 'GET' ? `GET reply` : `${e.method} ${e.packetType}`;
  return `${at} #${e.seq} ${what}${range}${session}${post} ${answer}`;
}

function describeScript(script: number[]): string {
  if (script.length === 1) return `answers ${script[0]} to every post`;
  return `answers ${script.slice(0, -1).join(', then ')}, then ${script.at(-1)} from then on`;
}

/**
 * What a long-running `serve` keeps, so a flood cannot grow it without end: ended sessions release
 * their bytes at once, and past these counts the oldest session, ledger entry or post goes.
 */
export const SERVE_LIMITS = {
  sessions: 1_000,
  ledgerEntries: 10_000,
  /** Posts (and replies) the scripted application remembers: it needs only their count. */
  posts: 0,
  /** Connections open at once; more are closed as they arrive. */
  connections: 256,
  /** A request head must arrive within this (a slowloris connection is dropped sooner than a slow body). */
  headTimeoutMs: 10_000,
} as const;

export interface ServeHandle {
  /** The origin clients upload under, from the address the server is bound to. */
  url: string;
  bits: BitsServer;
  application: ScriptedApplication;
  wire: WireServer;
  close(): Promise<void>;
}

export type ServeLimits = { readonly [K in keyof typeof SERVE_LIMITS]: number };

/** Starts the BITS server with the scripted application on 127.0.0.1; `write` gets a line per request. */
export async function startServe(options: ServeOptions, write: (line: string) => void, limits: ServeLimits = SERVE_LIMITS): Promise<ServeHandle> {
  const script = parseScript(options.appStatus);
  const relay = (options.relay ?? 'mirror') as RelayForm;
  if (!RELAY_FORMS.includes(relay)) throw new OptionError(`--relay: '${options.relay}' is not a relay form; use ${RELAY_FORMS.join(', ')}`);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (options.port !== undefined && !(/^\d{1,5}$/.test(options.port) && port <= 65535)) throw new OptionError(`--port: '${options.port}' is not a port number 0-65535`);

  const started = Date.now();
  const elapsed = (): number => Date.now() - started;
  const application = new ScriptedApplication(script, { history: limits.posts });
  let bits: BitsServer | undefined;
  let printedSeq = 0;
  // Requests that are not BITS (a wrong path or host) still get an answer, and a line saying why.
  const fallback = new HttpHandler(/.+/, '*', async ({ request }) => {
    const answer = bits ? await getResponse(bits.handlers, request) : undefined;
    return answer ?? new HttpResponse('not a BITS request for this server\n', { status: 404 });
  });
  const wire = await startWireServer({
    handlers: [fallback],
    host: SERVE_HOST,
    port,
    maxConnections: limits.connections,
    headTimeoutMs: limits.headTimeoutMs,
    onRequest(info: WireRequestInfo) {
      const entries = bits?.ledger.entries ?? [];
      let from = entries.length;
      while (from > 0 && entries[from - 1]!.seq > printedSeq) from -= 1;
      const fresh = entries.slice(from);
      for (const e of fresh) write(requestLine(e, elapsed()));
      printedSeq = fresh.at(-1)?.seq ?? printedSeq;
      if (fresh.length === 0) {
        write(`[${(elapsed() / 1000).toFixed(3)} s] ${info.method || '(unparsable request)'} ${info.url} => ${info.status}${info.error ? ` (${info.error})` : ' (not a BITS packet: no BITS-Packet-Type, or another path)'}`);
      }
    },
    onError(error) {
      write(`server error: ${error.message}`);
    },
  }).catch((error: NodeJS.ErrnoException) => {
    throw new OptionError(`cannot listen on ${SERVE_HOST}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`);
  });
  bits = createBitsServer({ origin: wire.url, application, relay, now: elapsed, retain: { sessions: limits.sessions, ledgerEntries: limits.ledgerEntries } });
  return { url: wire.url, bits, application, wire, close: () => wire.close() };
}

/** Starts the server and prints until SIGINT or SIGTERM; resolves with exit code 0 after closing. */
export async function serveCommand(options: ServeOptions, write: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const { url: origin, bits, application, close } = await startServe(options, write);
  const url = `${origin}/upload/file.bin`;
  write(`BITS server on ${origin} (relay ${options.relay ?? 'mirror'}); the server application ${describeScript(parseScript(options.appStatus))}`);
  write(`upload to any path under it, e.g. ${url}`);
  write(`try: curl -i -X BITS_POST -H 'BITS-Packet-Type: Create-Session' -H 'BITS-Supported-Protocols: ${BITS_PROTOCOL_GUID}' -H 'Content-Length: 0' ${url}`);
  write('Ctrl-C stops it.');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await close();
  write(`stopped: ${bits.ledger.count} request(s), ${application.posts} post(s) to the application`);
  return 0;
}
