// How a job's requests reach the server. By default one persistent HTTP/1.1 connection per job
// (node:http with a keep-alive agent of one socket), as Windows' BITS keeps one: some BITS servers keep
// sessions per TCP connection, and Node's fetch (undici 6) closes the connection after every BITS_POST
// with a body and spreads back-to-back requests over new connections. A caller may pass a fetch instead.
//
// node:http is looked up at call time (http.request, not a bound import), so an interceptor installed
// after this module loaded (msw in-process) sees every request.
import http from 'node:http';
import https from 'node:https';

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Sent with its Content-Length; absent for a GET. */
  body?: Uint8Array<ArrayBuffer>;
}

/** A whole answer (body read), or the network failure that stood in its way. */
export type WireAnswer =
  | { kind: 'response'; status: number; headers: Headers; body: Uint8Array }
  | { kind: 'network'; cause: unknown };

export interface Transport {
  /** Never rejects: a failure to connect, send or read is a `network` answer. */
  send(request: WireRequest): Promise<WireAnswer>;
  /** Releases the connection; a later send opens a new one. */
  close(): void;
}

/**
 * Time a request may go without any traffic before it fails as a network error: undici's default
 * headers and body timeouts, so a silent server costs what it cost over fetch.
 */
const IDLE_TIMEOUT_MS = 300_000;

/** One connection per origin (scheme, host, port), kept open between requests, reopened when the server closes it. */
export class ConnectionTransport implements Transport {
  private agents: { http?: http.Agent; https?: https.Agent } = {};

  /**
   * A request that fails is not retried here, not even on a kept connection the server closed as it went
   * out: the job treats it as any network failure (transient, retried after the retry delay, as BITS does),
   * for a re-sent final fragment would post the file to the application again. The agent drops a kept
   * connection as soon as the server closes it, so that race is rare.
   */
  send(request: WireRequest): Promise<WireAnswer> {
    return new Promise<WireAnswer>((resolve) => this.attempt(request, resolve));
  }

  close(): void {
    this.agents.http?.destroy();
    this.agents.https?.destroy();
    this.agents = {};
  }

  private agentFor(secure: boolean): http.Agent {
    // maxSockets 1: back-to-back requests wait for the one connection instead of opening another.
    const options = { keepAlive: true, maxSockets: 1 };
    if (secure) return (this.agents.https ??= new https.Agent(options));
    return (this.agents.http ??= new http.Agent(options));
  }

  private attempt(request: WireRequest, resolve: (answer: WireAnswer) => void): void {
    let settled = false;
    const finish = (answer: WireAnswer): void => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const network = (cause: unknown): void => finish({ kind: 'network', cause });
    let outgoing: http.ClientRequest;
    try {
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      const options: http.RequestOptions = { method: request.method, headers: request.headers, agent: this.agentFor(secure) };
      outgoing = (secure ? https : http).request(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          // A plain Uint8Array of its own (a small Buffer may be a view into Node's shared pool).
          const body = new Uint8Array(Buffer.concat(chunks));
          finish({ kind: 'response', status: response.statusCode ?? 0, headers: headersOf(response.rawHeaders), body });
        });
        response.on('error', network);
        response.on('close', () => {
          if (!response.complete) network(new Error('the connection closed before the answer was complete'));
        });
      });
    } catch (cause) {
      network(cause);
      return;
    }
    outgoing.setTimeout(IDLE_TIMEOUT_MS, () => outgoing.destroy(new Error(`no traffic for ${IDLE_TIMEOUT_MS} ms`)));
    outgoing.on('error', network);
    outgoing.end(request.body);
  }
}

/** The caller's fetch; redirects are never followed (a 3xx Ack is an answer). */
export class FetchTransport implements Transport {
  constructor(private readonly fetch: typeof globalThis.fetch) {}

  async send(request: WireRequest): Promise<WireAnswer> {
    try {
      const response = await this.fetch(request.url, {
        method: request.method,
        redirect: 'manual',
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      const body = new Uint8Array(await response.arrayBuffer());
      return { kind: 'response', status: response.status, headers: response.headers, body };
    } catch (cause) {
      return { kind: 'network', cause };
    }
  }

  close(): void {
    // The caller's fetch owns its connections.
  }
}

/** Response headers in order, repeated names appended; a value Headers refuses is left out. */
function headersOf(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // Not a valid field for the Fetch API; nothing the job reads can be in it.
    }
  }
  return headers;
}
