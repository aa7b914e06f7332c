// One BITS upload job ([MC-BUP] client role) as a state machine modelled on IBackgroundCopyJob: a new job
// is SUSPENDED; resume() runs Ping, Create-Session, Fragments, (reply download), Close-Session in the
// background; errors go to TRANSIENT_ERROR (retried after the minimum retry delay, until the
// no-progress timeout) or ERROR (until the caller acts).
//
// Time is read only through globalThis.setTimeout/clearTimeout and Date.now(), looked up at call time,
// so a harness that installs fake timers drives the job in virtual time.
import {
  BITS_METHOD,
  BITS_PROTOCOL_GUID,
  HEADER,
  HRESULT,
  WIRE_CONTEXT,
  formatContentRange,
  httpStatusOfHresult,
  parsePacketType,
  parseReceivedRange,
  readWireError,
  type PacketType,
  type WireError,
} from '../protocol/index.js';
import { classifyApplicationStatus, httpErrorCode, type StatusClass } from './classify.js';
import { ConnectionTransport, FetchTransport, type Transport, type WireAnswer, type WireRequest } from './transport.js';

export type UploadJobType = 'upload' | 'upload-reply';
export type UploadJobState =
  | 'SUSPENDED'
  | 'QUEUED'
  | 'CONNECTING'
  | 'TRANSFERRING'
  | 'TRANSIENT_ERROR'
  | 'ERROR'
  | 'TRANSFERRED'
  | 'ACKNOWLEDGED'
  | 'CANCELLED';

/** What IBackgroundCopyError::GetError returns: a BG_ERROR_CONTEXT and an unsigned HRESULT. */
export interface UploadJobError {
  context: number;
  code: number;
}

export interface UploadJobOptions {
  url: string;
  /** The bytes to upload. Not copied: do not change them while the job runs. */
  payload: Uint8Array;
  /** Default 'upload'. */
  type?: UploadJobType;
  /** Default 600 000 (the Windows default, 600 s). Not raised to 5 s as Windows does. */
  minimumRetryDelayMs?: number;
  /** Default 1 209 600 000 (14 days). 0 makes every error fatal. */
  noProgressTimeoutMs?: number;
  /** Default 1 MiB. Shrinks by halves when the server answers 413 to a fragment. */
  fragmentSize?: number;
  /**
   * Sends every request through this fetch instead of the job's own connection (one persistent HTTP/1.1
   * connection per job, over node:http). Node's fetch (undici 6) opens connections as it likes, so a
   * server that keeps sessions per connection fails with it, and it drops the Content-Length: 0 of
   * body-less packets (measured over TCP).
   */
  fetch?: typeof fetch;
  /** Custom classification for servers with other policies; default classifyApplicationStatus. */
  classifyStatus?: (status: number) => StatusClass;
  /** Application statuses after which the file is never posted again (APP-403-NOREPOST). Default [403]. */
  noRepostStatuses?: readonly number[];
  onStateChange?: (state: UploadJobState, job: UploadJob) => void;
}

export const DEFAULT_MINIMUM_RETRY_DELAY_MS = 600_000;
export const DEFAULT_NO_PROGRESS_TIMEOUT_MS = 1_209_600_000;
export const DEFAULT_FRAGMENT_SIZE = 1024 * 1024;

/** BG_ERROR_CONTEXT values the client reports ([CTX]); written out here, not imported from src/rules. */
const CONTEXT = {
  UNKNOWN: 1,
  REMOTE_FILE: WIRE_CONTEXT.server,
  GENERAL_TRANSPORT: 6,
  REMOTE_APPLICATION: WIRE_CONTEXT.application,
} as const;

const E_UNEXPECTED = 0x8000ffff;

/** Longest delay setTimeout honours; longer ones would fire after 1 ms, so alarms re-arm in steps. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Immediate recoveries (416 resync, new session, 413 shrink, an Ack that does not advance) allowed in a
 * row without progress. Bounds a misbehaving server that would otherwise spin the loop in zero time.
 */
const MAX_RECOVERIES_WITHOUT_PROGRESS = 64;

type Phase = 'upload' | 'reply' | 'close';

/** A one-shot timer for an absolute time on the Date.now() clock. */
class Alarm {
  private handle: ReturnType<typeof globalThis.setTimeout> | undefined;

  get armed(): boolean {
    return this.handle !== undefined;
  }

  set(at: number, fire: () => void): void {
    this.clear();
    const tick = (): void => {
      const left = at - Date.now();
      // Re-check on wake-up: real timers may fire a little early, and long delays are split.
      if (left > 0) {
        this.handle = globalThis.setTimeout(tick, Math.min(left, MAX_TIMER_DELAY_MS));
        return;
      }
      this.handle = undefined;
      fire();
    };
    this.handle = globalThis.setTimeout(tick, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_DELAY_MS));
  }

  clear(): void {
    if (this.handle === undefined) return;
    globalThis.clearTimeout(this.handle);
    this.handle = undefined;
  }
}

export class UploadJob {
  private readonly url: string;
  private readonly payload: Uint8Array;
  private readonly type: UploadJobType;
  private readonly minimumRetryDelayMs: number;
  private readonly noProgressTimeoutMs: number;
  /** The job's connection to the server (or the caller's fetch); released once the job has ended. */
  private readonly transport: Transport;
  private readonly classifyStatus: (status: number) => StatusClass;
  private readonly noRepostStatuses: readonly number[];
  private readonly onStateChange: ((state: UploadJobState, job: UploadJob) => void) | undefined;
  private readonly contentName: string;

  private state: UploadJobState = 'SUSPENDED';
  private error: UploadJobError | null = null;
  private reply: Uint8Array | null = null;

  private phase: Phase = 'upload';
  private sessionId: string | null = null;
  /** Where the session's packets go: the job's URL, or the host a BITS-Host-Id named. */
  private sessionUrl: string | null = null;
  /** The next byte the server asked for (its BITS-Received-Content-Range), never our own count. */
  private offset = 0;
  private fragmentSize: number;
  private replyUrl: string | null = null;
  /** Set once the application answered a no-repost status: the file must never be posted again. */
  private noRepost = false;
  /** Start of the current no-progress window: the first error since the last progress. */
  private noProgressSince: number | null = null;
  private recoveries = 0;

  /** Bumped whenever running work is abandoned; late results of older generations are ignored. */
  private generation = 0;
  private readonly retryAlarm = new Alarm();
  private readonly noProgressAlarm = new Alarm();
  /** The one outstanding request, if any (MC-BUP: one request at a time). */
  private inFlight: Promise<void> | null = null;
  /** Control calls apply one after another, in call order. */
  private controls: Promise<void> = Promise.resolve();

  constructor(options: UploadJobOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`url is not an absolute URL: ${String(options.url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`url must be http or https: ${options.url}`);
    if (!(options.payload instanceof Uint8Array) || options.payload.byteLength === 0) {
      // Content-Range cannot describe an empty file (bytes a-b/total needs a <= b < total).
      throw new RangeError('payload must be a non-empty Uint8Array');
    }
    const mrd = options.minimumRetryDelayMs ?? DEFAULT_MINIMUM_RETRY_DELAY_MS;
    const npt = options.noProgressTimeoutMs ?? DEFAULT_NO_PROGRESS_TIMEOUT_MS;
    const fragmentSize = options.fragmentSize ?? DEFAULT_FRAGMENT_SIZE;
    if (!Number.isFinite(mrd) || mrd < 0) throw new RangeError('minimumRetryDelayMs must be a finite number >= 0');
    if (Number.isNaN(npt) || npt < 0) throw new RangeError('noProgressTimeoutMs must be a number >= 0');
    if (!Number.isInteger(fragmentSize) || fragmentSize < 1) throw new RangeError('fragmentSize must be an integer >= 1');

    this.url = options.url;
    this.payload = options.payload;
    this.type = options.type ?? 'upload';
    this.minimumRetryDelayMs = mrd;
    this.noProgressTimeoutMs = npt;
    this.fragmentSize = fragmentSize;
    const fetchOption = options.fetch;
    this.transport = fetchOption ? new FetchTransport(fetchOption) : new ConnectionTransport();
    this.classifyStatus = options.classifyStatus ?? classifyApplicationStatus;
    this.noRepostStatuses = [...(options.noRepostStatuses ?? [403])];
    this.onStateChange = options.onStateChange;
    // Kept percent-encoded: a header value must be a byte string.
    this.contentName = parsed.pathname.split('/').pop() ?? '';
  }

  getState(): UploadJobState {
    return this.state;
  }

  getError(): UploadJobError | null {
    return this.error ? { ...this.error } : null;
  }

  getReply(): Uint8Array | null {
    return this.reply;
  }

  /** Starts or retries the job at once (resets the no-progress window). Ignored in other states. */
  resume(): Promise<void> {
    return this.control(async () => {
      if (this.state !== 'SUSPENDED' && this.state !== 'ERROR' && this.state !== 'TRANSIENT_ERROR') return;
      const gen = this.abandon();
      await this.settled();
      if (this.noRepost) {
        // NOREPOST-SCOPE: nothing may lead to another post of the file, so the job stays in error.
        this.setState('ERROR');
        return;
      }
      this.noProgressSince = null;
      this.recoveries = 0;
      this.error = null;
      // Stryker disable next-line StringLiteral: run() replaces QUEUED with CONNECTING in the same synchronous step, before its first await, so no getState() call can see the mutated name (JOB-STATES kills the same mutant on TRANSFERRING)
      this.setState('QUEUED');
      void this.run(gen, 'resume');
    });
  }

  /** Stops the job; resolves once the outstanding request (whose result is ignored) has ended. */
  suspend(): Promise<void> {
    return this.control(async () => {
      if (this.state === 'SUSPENDED' || this.isFinished()) return;
      this.abandon();
      await this.settled();
      this.setState('SUSPENDED');
    });
  }

  /** Ends the job for good; a session still open is cancelled on the server (best effort). */
  cancel(): Promise<void> {
    return this.control(async () => {
      if (this.state === 'CANCELLED' || this.state === 'ACKNOWLEDGED') return;
      const gen = this.abandon();
      await this.settled();
      const sessionId = this.sessionId;
      this.sessionId = null;
      this.setState('CANCELLED');
      // The connection goes once nothing is left to send, so an ended job keeps no process alive.
      if (sessionId === null) this.transport.close();
      else void this.cancelSession(gen, sessionId).finally(() => this.transport.close());
    });
  }

  /** Acknowledges a TRANSFERRED job (no traffic). Ignored in other states. */
  complete(): Promise<void> {
    return this.control(async () => {
      if (this.state !== 'TRANSFERRED') return;
      this.abandon();
      this.transport.close();
      this.setState('ACKNOWLEDGED');
    });
  }

  // --- control plumbing -------------------------------------------------------------------------

  private control(action: () => Promise<void>): Promise<void> {
    const next = this.controls.then(action).catch((cause: unknown) => this.unexpected(this.generation, cause));
    this.controls = next;
    return next;
  }

  private isFinished(): boolean {
    return this.state === 'TRANSFERRED' || this.state === 'ACKNOWLEDGED' || this.state === 'CANCELLED';
  }

  /** Drops timers and running work; returns the new generation. */
  private abandon(): number {
    this.retryAlarm.clear();
    this.noProgressAlarm.clear();
    this.generation += 1;
    return this.generation;
  }

  private async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private current(gen: number): boolean {
    return gen === this.generation;
  }

  private setState(state: UploadJobState): void {
    if (state === this.state) return;
    this.state = state;
    try {
      this.onStateChange?.(state, this);
    } catch {
      // A throwing listener must not derail the job (nor reach the host as an unhandled rejection).
    }
  }

  private unexpected(gen: number, _cause: unknown): void {
    if (!this.current(gen)) return;
    this.fatal({ context: CONTEXT.UNKNOWN, code: E_UNEXPECTED });
  }

  // --- the background loop ----------------------------------------------------------------------

  /** 'resume' restarts at Ping (MC-BUP 3.1.4.3); an automatic 'retry' goes straight back to where it failed. */
  private async run(gen: number, start: 'resume' | 'retry'): Promise<void> {
    try {
      if (!this.current(gen)) return;
      this.setState('CONNECTING');
      if (start === 'resume' || (this.phase === 'upload' && this.sessionId === null)) {
        if (!(await this.ping(gen))) return;
      }
      for (;;) {
        if (!this.current(gen)) return;
        let goOn: boolean;
        if (this.phase === 'upload') {
          goOn = this.sessionId === null ? await this.createSession(gen) : await this.sendFragment(gen);
        } else if (this.phase === 'reply') {
          goOn = await this.downloadReply(gen);
        } else {
          goOn = await this.closeSession(gen);
        }
        if (!goOn) return;
      }
    } catch (cause) {
      this.unexpected(gen, cause);
    }
  }

  private async ping(gen: number): Promise<boolean> {
    const answer = await this.post(gen, 'Ping', {});
    if (!answer) return false;
    if (answer.kind === 'network') return this.networkFailure();
    if (answer.status !== 200) return this.serverError(answer.status, readWireError(answer.headers));
    if (!isAck(answer.headers)) return this.invalidResponse();
    return true;
  }

  private async createSession(gen: number): Promise<boolean> {
    this.setState('CONNECTING');
    const answer = await this.post(gen, 'Create-Session', { [HEADER.supportedProtocols]: BITS_PROTOCOL_GUID });
    if (!answer) return false;
    if (answer.kind === 'network') return this.networkFailure();
    if (answer.status !== 200) return this.serverError(answer.status, readWireError(answer.headers));
    const protocol = answer.headers.get(HEADER.protocol)?.trim().toLowerCase();
    const sessionId = answer.headers.get(HEADER.sessionId)?.trim();
    if (!isAck(answer.headers) || protocol !== BITS_PROTOCOL_GUID.toLowerCase() || !sessionId) return this.invalidResponse();
    this.sessionId = sessionId;
    // A server farm names the host that keeps the session (MC-BUP BITS-Host-Id): its later packets go there.
    const hostId = answer.headers.get(HEADER.hostId)?.trim();
    this.sessionUrl = hostId ? withHost(this.url, hostId) : null;
    this.offset = 0;
    return true;
  }

  private async sendFragment(gen: number): Promise<boolean> {
    this.setState('TRANSFERRING');
    const total = this.payload.byteLength;
    // If the server already holds every byte it still needs a final fragment before it posts the file.
    const first = Math.min(this.offset, total - 1);
    const last = Math.min(first + this.fragmentSize, total) - 1;
    const isFinal = last === total - 1;
    const headers: Record<string, string> = {
      // Stryker disable next-line StringLiteral: a fragment is sent only inside a session, so the fallback is never used
      [HEADER.sessionId]: this.sessionId ?? '',
      [HEADER.contentRange]: formatContentRange({ first, last, total }),
    };
    // Stryker disable next-line ConditionalExpression: allowed by the rules: MC-BUP makes Content-Name optional
    if (this.contentName) headers[HEADER.contentName] = this.contentName;
    const answer = await this.post(gen, 'Fragment', headers, this.payload.slice(first, last + 1));
    // Stryker disable next-line BooleanLiteral,ConditionalExpression: answer is null only for abandoned work; without the test, reading it throws inside run(), whose catch does nothing for an abandoned generation
    if (!answer) return false;
    if (answer.kind === 'network') return this.networkFailure();
    const { status } = answer;
    const wire = readWireError(answer.headers);

    if (status === 200) {
      if (!isAck(answer.headers)) return this.invalidResponse();
      // Every Fragment Ack names where the server is (MC-BUP 2.2.7.2: the field MUST be included), the
      // final fragment's too: short of the end, the server holds only that prefix and the upload goes on
      // from there (ACK-RANGE-ALWAYS). An Ack without a usable range could hide lost data: an error.
      const next = parseReceivedRange(answer.headers.get(HEADER.receivedContentRange));
      if (next === undefined || next > total) return this.invalidResponse();
      if (isFinal && next === total) return this.uploaded(answer.headers);
      // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: allowed by the rules: how many answers without progress a client takes before it calls the stall an error (at once, 63 or 64) is its own choice; the stalled-server scenario kills the mutants that never call it one; callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
      if (next <= this.offset && !this.recover()) return this.invalidResponse('transient');
      this.advanceTo(next);
      return true;
    }
    // RELAY-PRECEDENCE: an application error wins over what the status means at fragment level.
    if (wire.context === WIRE_CONTEXT.application) return this.applicationError(status, wire, isFinal, answer.headers);

    if (status === 416) {
      // Out of sync: the server names the offset it wants.
      const next = parseReceivedRange(answer.headers.get(HEADER.receivedContentRange));
      if (next !== undefined && next <= total && next !== first && this.recover()) {
        this.advanceTo(next);
        return true;
      }
    } else if (status === 500 && wire.code === HRESULT.BG_E_SESSION_NOT_FOUND) {
      // The server lost the session: start a new one from byte 0 (MC-BUP 2.2.1.2).
      if (this.recover()) {
        this.sessionId = null;
        this.offset = 0;
        return true;
      }
    } else if (status === 413 && last > first) {
      // Too large: halve what was sent, the last fragment too (a small file goes in one fragment).
      if (this.recover()) {
        this.fragmentSize = Math.floor((last - first + 1) / 2);
        return true;
      }
    }
    return this.serverError(status, wire);
  }

  /** The final fragment's outcome is a success (200, or a status the caller's classifier calls success). */
  private uploaded(headers: Headers): boolean {
    this.advanceTo(this.payload.byteLength);
    if (this.type === 'upload-reply') {
      // Stryker disable next-line MethodExpression: the URL parser strips leading and trailing spaces itself, and the header is always present when this runs in the suite
      const replyUrl = headers.get(HEADER.replyUrl)?.trim();
      let resolved: string | undefined;
      try {
        resolved = replyUrl ? new URL(replyUrl, this.url).href : undefined;
      } catch {
        resolved = undefined;
      }
      if (!resolved) return this.invalidResponse();
      this.replyUrl = resolved;
      this.phase = 'reply';
    } else {
      // Stryker disable next-line StringLiteral: run() takes every phase but 'upload' and 'reply' as 'close'
      this.phase = 'close';
    }
    return true;
  }

  private applicationError(status: number, wire: WireError, isFinal: boolean, headers: Headers): boolean {
    // RELAY-1XX: a 1xx arrives as Ack 500 with 0x80190000+S, so the code, not the Ack status, tells S.
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: every relay carries 0x80190000+S, and the Ack status (S, or 500 for a 1xx) is in the class of S; taking S from the Ack changes neither the class nor the code, which comes from the wire (the zoo member classifies-1xx-by-ack-status shows the same: only a missing code would tell)
    const applicationStatus = (wire.code === undefined ? undefined : httpStatusOfHresult(wire.code)) ?? status;
    // Stryker disable next-line LogicalOperator: every relay carries the code, and 0x80190000 + the status read from it is that code again
    const error = { context: CONTEXT.REMOTE_APPLICATION, code: wire.code ?? httpErrorCode(applicationStatus) };
    if (this.noRepostStatuses.includes(applicationStatus)) {
      this.noRepost = true;
      return this.fatal(error);
    }
    const verdict = this.classifyStatus(applicationStatus);
    // Stryker disable next-line ConditionalExpression,StringLiteral: the default classification calls only 200 'success', and a 200 never arrives as an application error
    if (verdict === 'success' && isFinal) return this.uploaded(headers);
    return verdict === 'fatal' ? this.fatal(error) : this.transient(error);
  }

  private async downloadReply(gen: number): Promise<boolean> {
    this.setState('TRANSFERRING');
    const answer = await this.exchange(gen, { method: 'GET', url: this.replyUrl ?? '', headers: {} });
    if (!answer) return false;
    if (answer.kind === 'network') return this.networkFailure();
    if (answer.status !== 200) {
      const verdict = this.classifyStatus(answer.status);
      return this.failWith({ context: CONTEXT.REMOTE_FILE, code: httpErrorCode(answer.status) }, verdict === 'fatal' ? 'fatal' : 'transient');
    }
    this.reply = answer.body;
    this.phase = 'close';
    return true;
  }

  private async closeSession(gen: number): Promise<boolean> {
    this.setState('TRANSFERRING');
    // Stryker disable next-line ConditionalExpression: the close phase is entered only from a session, so the session id is set
    if (this.sessionId !== null) {
      const answer = await this.post(gen, 'Close-Session', { [HEADER.sessionId]: this.sessionId });
      // Stryker disable next-line BooleanLiteral,ConditionalExpression: answer is null only for abandoned work; without the test, reading it throws inside run(), whose catch does nothing for an abandoned generation
      if (!answer) return false;
      if (answer.kind === 'network') return this.networkFailure();
      const wire = readWireError(answer.headers);
      if (endRequestNeedsResend(answer.status, wire)) {
        return this.transient({ context: CONTEXT.REMOTE_FILE, code: wire.code ?? httpErrorCode(answer.status) });
      }
      // 200, 100-499 (not resent) or session-not-found: the session is over either way.
    }
    this.sessionId = null;
    this.retryAlarm.clear();
    this.noProgressAlarm.clear();
    this.error = null;
    this.setState('TRANSFERRED');
    return false;
  }

  /** Cancel-Session after cancel(): best effort, resent on 5xx like Close-Session, while the job stays CANCELLED. */
  private async cancelSession(gen: number, sessionId: string): Promise<void> {
    try {
      let since: number | null = null;
      for (;;) {
        const answer = await this.post(gen, 'Cancel-Session', { [HEADER.sessionId]: sessionId });
        if (!answer) return;
        if (answer.kind === 'response' && !endRequestNeedsResend(answer.status, readWireError(answer.headers))) return;
        if (this.noProgressTimeoutMs === 0) return;
        const now = Date.now();
        since ??= now;
        if (now + this.minimumRetryDelayMs >= since + this.noProgressTimeoutMs) return;
        await new Promise<void>((resolve) => {
          const handle = globalThis.setTimeout(resolve, Math.min(this.minimumRetryDelayMs, MAX_TIMER_DELAY_MS));
          // A cancelled job's clean-up must not keep the host process alive.
          (handle as { unref?: () => void }).unref?.();
        });
        if (!this.current(gen)) return;
      }
    } catch {
      // Best effort: a cancelled job has no state left to report the failure in.
    }
  }

  // --- outcomes ---------------------------------------------------------------------------------

  private advanceTo(next: number): void {
    if (next > this.offset) {
      // Progress: the no-progress window closes and the recovery budget refills.
      this.noProgressSince = null;
      this.recoveries = 0;
      this.noProgressAlarm.clear();
      this.error = null;
    }
    this.offset = next;
  }

  private recover(): boolean {
    this.recoveries += 1;
    // Stryker disable next-line EqualityOperator: allowed by the rules: how many answers without progress a client takes before it calls the stall an error (at once, 63 or 64) is its own choice; the stalled-server scenario kills the mutants that never call it one
    return this.recoveries <= MAX_RECOVERIES_WITHOUT_PROGRESS;
  }

  private networkFailure(): boolean {
    return this.transient({ context: CONTEXT.GENERAL_TRANSPORT, code: HRESULT.ERROR_INTERNET_CONNECTION_ABORTED });
  }

  private invalidResponse(kind: 'fatal' | 'transient' = 'fatal'): boolean {
    return this.failWith({ context: CONTEXT.REMOTE_FILE, code: HRESULT.BG_E_INVALID_SERVER_RESPONSE }, kind);
  }

  /** The BITS server's own error (context 5), classed by its HTTP status. */
  private serverError(status: number, wire: WireError): boolean {
    const verdict = this.classifyStatus(status);
    // A 'success' verdict cannot let the upload go on without the server's Ack, so it is retried.
    // Stryker disable next-line StringLiteral: callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
    return this.failWith({ context: CONTEXT.REMOTE_FILE, code: wire.code ?? httpErrorCode(status) }, verdict === 'fatal' ? 'fatal' : 'transient');
  }

  private failWith(error: UploadJobError, kind: 'fatal' | 'transient'): boolean {
    return kind === 'fatal' ? this.fatal(error) : this.transient(error);
  }

  /** ERROR, no timers, no traffic until the caller acts. Returns false: the loop stops. */
  private fatal(error: UploadJobError): boolean {
    this.retryAlarm.clear();
    this.noProgressAlarm.clear();
    this.error = error;
    this.setState('ERROR');
    return false;
  }

  /** TRANSIENT_ERROR with a retry after the minimum delay, inside the no-progress window. */
  private transient(error: UploadJobError): boolean {
    this.retryAlarm.clear();
    this.noProgressAlarm.clear();
    // Stryker disable next-line ConditionalExpression: with NoProgressTimeout 0 the deadline is now, and the next test makes the error fatal all the same
    if (this.noProgressTimeoutMs === 0) return this.fatal(error);
    const now = Date.now();
    this.noProgressSince ??= now;
    const deadline = this.noProgressSince + this.noProgressTimeoutMs;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with NoProgressTimeout > 0 no error arrives at or after the deadline: the no-progress alarm abandons the job then, and a retry is never scheduled at or after it
    if (now >= deadline) return this.fatal(error);
    this.error = error;
    this.setState('TRANSIENT_ERROR');
    const gen = this.generation;
    // Stryker disable next-line ConditionalExpression: an alarm at an infinite deadline never fires (it re-arms every 24.8 days)
    if (Number.isFinite(deadline)) {
      this.noProgressAlarm.set(deadline, () => {
        // Stryker disable next-line ConditionalExpression: abandoning the work clears the job's alarms, so a stale alarm never fires
        if (!this.current(gen)) return;
        // The retry (if any is under way) is abandoned; the error stays the last one seen.
        this.abandon();
        this.setState('ERROR');
      });
    }
    const retryAt = now + this.minimumRetryDelayMs;
    // A retry due at or after the deadline would never run: the job is in ERROR by then.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a retry due at or after the deadline never runs: the no-progress alarm, set first for that instant, abandons the job and clears it
    if (retryAt < deadline) {
      this.retryAlarm.set(retryAt, () => {
        // Stryker disable next-line ConditionalExpression: abandoning the work clears the job's alarms, so a stale alarm never fires
        if (!this.current(gen)) return;
        // Stryker disable next-line StringLiteral: run() replaces QUEUED with CONNECTING in the same synchronous step, before its first await, so no getState() call can see the mutated name (JOB-STATES kills the same mutant on TRANSFERRING)
        this.setState('QUEUED');
        // Stryker disable next-line StringLiteral: run() only asks whether it was started by 'resume'
        void this.run(gen, 'retry');
      });
    }
    return false;
  }

  // --- the wire ---------------------------------------------------------------------------------

  private post(gen: number, packetType: PacketType, headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>): Promise<WireAnswer | null> {
    const sessionPacket = packetType !== 'Ping' && packetType !== 'Create-Session';
    const sent = body ?? new Uint8Array(0);
    return this.exchange(gen, {
      method: BITS_METHOD,
      url: (sessionPacket && this.sessionUrl) || this.url,
      // Every packet states its length, 0 for the body-less ones (MC-BUP's packet layouts; a server
      // behind IIS answers 411 without it).
      headers: { [HEADER.packetType]: packetType, ...headers, [HEADER.contentLength]: String(sent.byteLength) },
      body: sent,
    });
  }

  /** One request, waited for in full (body included); null when the work was abandoned meanwhile. */
  private async exchange(gen: number, request: WireRequest): Promise<WireAnswer | null> {
    await this.settled();
    if (!this.current(gen)) return null;
    let done!: () => void;
    const flight = new Promise<void>((resolve) => (done = resolve));
    this.inFlight = flight;
    let result: WireAnswer;
    try {
      result = await this.transport.send(request);
    } finally {
      if (this.inFlight === flight) this.inFlight = null;
      done();
    }
    return this.current(gen) ? result : null;
  }
}

function isAck(headers: Headers): boolean {
  return parsePacketType(headers.get(HEADER.packetType)) === 'Ack';
}

/** Close-Session and Cancel-Session are resent on 500-599, unless the session is already gone. */
function endRequestNeedsResend(status: number, wire: WireError): boolean {
  // Stryker disable next-line ConditionalExpression: it matters only for statuses above 599, which HTTP does not have
  return status >= 500 && status <= 599 && wire.code !== HRESULT.BG_E_SESSION_NOT_FOUND;
}

export function createUploadJob(options: UploadJobOptions): UploadJob {
  return new UploadJob(options);
}

/** The URL with its host name replaced (port, path and query kept); the URL itself if the name is not usable. */
function withHost(url: string, hostName: string): string {
  try {
    const target = new URL(url);
    target.hostname = hostName;
    return target.href;
  } catch {
    return url;
  }
}
