// The ledger: every request the BITS server saw, with its answer, in order. The judge reads only this
// and the job's reported states; it is the ground truth of what the client did on the wire.
import type { ContentRange, PacketType } from '../protocol/index.js';

export interface LedgerResponse {
  status: number;
  errorCode?: number;
  errorContext?: number;
  receivedRange?: number;
  replyUrl?: string;
  /** BITS-Session-Id of the Ack: the session a Create-Session opened. */
  sessionId?: string;
}

export interface LedgerEntry {
  seq: number;
  /** Milliseconds on the case clock (virtual in-process) when the request arrived. */
  t: number;
  method: string;
  url: string;
  /** The BITS packet type, `GET` for a reply download, `unknown` for anything else. */
  packetType: PacketType | 'GET' | 'unknown';
  sessionId?: string;
  /** Whether the session id sent is one this server gave (PKT-SESSION). */
  sessionIssued?: boolean;
  /** Whether a Create-Session offered the BITS protocol GUID (PKT-CREATE). */
  offeredProtocol?: boolean;
  range?: ContentRange;
  /** The Content-Range header as sent, kept when it does not parse (PKT-RANGE). */
  contentRange?: string;
  /** For a Fragment, Close-Session or Cancel-Session of an open session: the bytes the server held when it arrived. */
  receivedBefore?: number;
  /** The scripted fault the server played on this request, if any. */
  fault?: string;
  bodyLength: number;
  response?: LedgerResponse;
  /** Set when this request made the server post the file to the application. */
  notification?: { count: number; status: number; /** SHA-256 (hex) of the file posted. */ fileSha256: string };
  /** Posts to the application so far for this job, counting this request's. */
  notifications: number;
  /** The TCP connection the request came on (numbered by the wire server); absent in-process. */
  connection?: number;
  /** Whether the request head carried Content-Length; absent in-process, where it is unknown. */
  contentLengthSent?: boolean;
}

export class Ledger {
  /** In order of arrival; with a capacity, only the latest that many. */
  readonly entries: LedgerEntry[] = [];
  private recorded = 0;
  private notificationCount = 0;

  /**
   * @param capacity Entries kept: past it the oldest goes (a ring, for a long-running server). A case's
   * server keeps every entry: the judge reads them all.
   */
  constructor(
    private readonly now: () => number,
    private readonly capacity = Infinity,
  ) {}

  record(entry: Omit<LedgerEntry, 'seq' | 't' | 'notifications'>): LedgerEntry {
    this.recorded += 1;
    const full: LedgerEntry = { seq: this.recorded, t: this.now(), notifications: this.notificationCount, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.entries.shift();
    return full;
  }

  /** Requests recorded since the start, including those no longer kept. */
  get count(): number {
    return this.recorded;
  }

  noteNotification(entry: LedgerEntry, status: number, fileSha256: string): void {
    this.notificationCount += 1;
    entry.notification = { count: this.notificationCount, status, fileSha256 };
    entry.notifications = this.notificationCount;
  }

  get notifications(): number {
    return this.notificationCount;
  }

  /** Requests that arrived strictly after `t` (case clock). */
  after(t: number): LedgerEntry[] {
    return this.entries.filter((e) => e.t > t);
  }
}
