// The BITS server's upload sessions: who may use one, and what an ended one keeps. A session is bound
// to the URL path it was created on (a BITS server keeps a session per upload URL) and, in connection
// scope, to the TCP connection that created it (as one open-source Python server keeps them).
import { randomUUID } from 'node:crypto';
import { HEADER } from '../protocol/index.js';
import { requestOrigin } from './origin.js';

export interface Session {
  id: string;
  state: 'open' | 'closed' | 'cancelled' | 'forgotten';
  /** The contiguous prefix received so far; its length is BITS-Received-Content-Range. Empty once ended. */
  data: Uint8Array;
  received: number;
  total?: number;
  /** The URL path of the Create-Session: the only path the session answers on. */
  path: string;
  /** The connection of the Create-Session, when the transport knows it. */
  connection?: number;
}

/**
 * 'server': a session id is honoured on any connection (IIS, and what Node's fetch needs). 'connection':
 * only on the connection that created it; requests with no known connection (in-process) share one.
 */
export type SessionScope = 'server' | 'connection';

export class SessionTable {
  readonly sessions = new Map<string, Session>();

  /**
   * @param capacity Sessions kept; past it the oldest is forgotten (a long-running server's bound).
   * @param onRelease Called with the id of a session whose resources go: ended, or dropped from the table.
   */
  constructor(
    private readonly scope: SessionScope,
    private readonly capacity: number,
    private readonly onRelease: (id: string) => void,
  ) {}

  create(request: Request): Session {
    while (this.sessions.size >= this.capacity) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
      this.onRelease(oldest);
    }
    const id = `{${randomUUID()}}`;
    const connection = requestOrigin(request)?.connection;
    const session: Session = { id, state: 'open', data: new Uint8Array(0), received: 0, path: pathOf(request), ...(connection === undefined ? {} : { connection }) };
    this.sessions.set(id, session);
    return session;
  }

  /** The open session the request names, if this request may use it (same path, and connection in connection scope). */
  open(request: Request): Session | undefined {
    const id = sessionIdOf(request);
    const session = id ? this.sessions.get(id) : undefined;
    if (session?.state !== 'open' || session.path !== pathOf(request)) return undefined;
    if (this.scope === 'connection' && session.connection !== requestOrigin(request)?.connection) return undefined;
    return session;
  }

  /** Whether this server gave out the id (PKT-SESSION), wherever it may be used. */
  issued(id: string): boolean {
    return this.sessions.has(id.trim().toLowerCase());
  }

  /** Close-Session or Cancel-Session: the session's bytes are released (the file went to the application). */
  end(session: Session, state: 'closed' | 'cancelled'): void {
    session.state = state;
    session.data = new Uint8Array(0);
    this.onRelease(session.id);
  }
}

export function sessionIdOf(request: Request): string | undefined {
  return request.headers.get(HEADER.sessionId)?.trim().toLowerCase() || undefined;
}

function pathOf(request: Request): string {
  return new URL(request.url).pathname;
}
