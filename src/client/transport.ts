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

  send(request: WireRequest): Promise<WireAnswer> {
    return this.attempt(request, false);
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

  private attempt(request: WireRequest, isRetry: boolean): Promise<WireAnswer> {
    return new Promise<WireAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: WireAnswer | Promise<WireAnswer>): void => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch (cause) {
        finish({ kind: 'network', cause });
        return;
      }
      const secure = url.protocol === 'https:';
      const options: http.RequestOptions = { method: request.method, headers: request.headers, agent: this.agentFor(secure) };
      let outgoing: http.ClientRequest;
      try {
        outgoing = (secure ? https : http).request(url, options, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            // A plain Uint8Array of its own (a small Buffer may be a view into Node's shared pool).
            const body = new Uint8Array(Buffer.concat(chunks));
            finish({ kind: 'response', status: response.statusCode ?? 0, headers: headersOf(response.rawHeaders), body });
          });
          response.on('error', (cause) => finish({ kind: 'network', cause }));
          response.on('close', () => {
            if (!response.complete) finish({ kind: 'network', cause: new Error('the connection closed before the answer was complete') });
          });
        });
      } catch (cause) {
        finish({ kind: 'network', cause });
        return;
      }
      outgoing.setTimeout(IDLE_TIMEOUT_MS, () => outgoing.destroy(new Error(`no traffic for ${IDLE_TIMEOUT_MS} ms`)));
      outgoing.on('error', (cause: NodeJS.ErrnoException) => {
        // The server closed the kept connection just as this request went out on it: the request never
        // reached it, so one more try on a new connection is safe (Node's documented pattern).
        if (!isRetry && outgoing.reusedSocket && cause.code === 'ECONNRESET') finish(this.attempt(request, true));
        else finish({ kind: 'network', cause });
      });
      outgoing.end(request.body);
    });
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
