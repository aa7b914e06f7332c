// The in-process transport: how a client running in the harness's own process reaches the BITS
// handlers of the worker (a BitsServerPool, then a catch-all that fails strays as network errors). Two
// routes to the same handlers:
// - direct (the default): the global fetch hands each request straight to msw's getResponse, and
//   node:http connections to a *.bits.test host go over a local socket (a Unix domain socket or a named
//   pipe) to our own HTTP/1.1 reader (src/wire), which answers with getResponse too. The client's own
//   http.Agent, keep-alive and all, talks to a real socket; nothing emulates one.
// - msw: msw's setupServer intercepts fetch and node:http, the ordinary way, kept to compare against.
//   Its node:http emulation costs about twice the CPU per request of the local socket (tools/bench).
// Cases run one at a time in a worker; each counts its own requests in flight so the clock can settle.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchRequest, FetchResponse } from '@mswjs/interceptors';
import { getResponse, HttpHandler, HttpResponse, type RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { startWireServer, type WireServer } from '../wire/index.js';
import { asNodeFetch } from './fetch-steps.js';
import { installNodeHttpShim } from './node-http-shim.js';

export type InProcessRoute = 'direct' | 'msw';

/** The domain of every in-process base URL (`http://case-17.bits.test`): `.test` never resolves (RFC 6761). */
export const IN_PROCESS_DOMAIN = 'bits.test';
const CASE_HOST = /(^|\.)bits\.test\.?$/i;

/** Requests to no case (a job left over from an earlier case) fail as network errors. */
const strayRequest = new HttpHandler(/.+/, '*', () => HttpResponse.error());

// msw emulates fetch's redirect following, and wrongly for BITS: a relayed 3xx has no Location, yet
// msw follows it to `/null` and drops the method on 307. Undici returns such a response as it is,
// so turn the emulation off: a relayed 3xx must reach the client as itself (architecture notes).
FetchResponse.isRedirectResponse = () => false;

export interface CaseTransport {
  /** Requests (fetch or node:http) started by the client during this case and not yet answered. */
  inFlight(): number;
  /** What the transport did in the client's stead, as Node's fetch does (fetch-steps.ts), one sentence each. */
  readonly notes: readonly string[];
  close(): void;
}

/** What msw answers when a handler throws (its unhandled-exception response). */
function serverErrorResponse(error: unknown): Response {
  const body = error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
  return new Response(JSON.stringify(body), { status: 500, statusText: 'Unhandled Exception', headers: { 'Content-Type': 'application/json' } });
}

/** Rejects with the signal's reason if it aborts first, as a fetch does. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** A local socket path no other worker uses: a named pipe on Windows, a Unix domain socket elsewhere. */
function localSocketPath(): string {
  const name = `bits-conformance-${process.pid}-${randomUUID().slice(0, 8)}`;
  return process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : join(tmpdir(), `${name}.sock`);
}

/** The worker's routes to its handlers: started once, switched between only when a caller asks for the other. */
export class InProcessRoutes {
  private readonly handlers: RequestHandler[];
  private msw: SetupServer | undefined;
  private wire: Promise<{ server: WireServer; path: string }> | undefined;
  /** The local socket of the direct route, once listening. */
  socketPath: string | undefined;

  constructor(handlers: readonly RequestHandler[]) {
    this.handlers = [...handlers, strayRequest];
  }

  /** Starts what a route needs before its first case (the local socket of the direct route). */
  async ready(route: InProcessRoute): Promise<void> {
    if (route === 'direct') await (this.wire ??= this.startWire());
  }

  /** Serves one case on `route` until close(); counts the client's requests so the clock can settle. */
  open(route: InProcessRoute): CaseTransport {
    if (route === 'direct' && !this.wire) throw new Error('the direct in-process route is not started: await ready() first');
    this.use(route);
    const counter = { n: 0 };
    // Either route answers fetch from the handlers, so it is made to answer as Node's fetch does (fetch-steps.ts).
    const notes: string[] = [];
    const underlying = asNodeFetch(route === 'direct' ? this.directFetch : globalThis.fetch, (what) => notes.push(what));
    const fetchBefore = globalThis.fetch;
    const answered = (): void => {
      counter.n -= 1;
    };
    globalThis.fetch = (...args: Parameters<typeof fetch>): Promise<Response> => {
      counter.n += 1;
      const sent = underlying(...args);
      // Counted out before the client's own reaction runs: registered first, it runs first.
      sent.then(answered, answered);
      return sent;
    };
    // node:http clients (the reference client's own connection, axios, got) are counted by the wrappers
    // use() put on node:http and node:https, into the counter of the case open.
    caseCounter = counter;
    return {
      inFlight: () => counter.n,
      notes,
      close() {
        if (caseCounter === counter) caseCounter = undefined;
        globalThis.fetch = fetchBefore;
      },
    };
  }

  /**
   * Makes this instance's route the worker's: msw's interceptors listen only while an msw route is in
   * use, and node:http connections to a case host go to the local socket of the direct route in use.
   */
  private use(route: InProcessRoute): void {
    if (active?.routes === this && active.route === route) return;
    if (active?.route === 'msw') active.routes.msw!.close();
    active = { routes: this, route };
    if (route === 'msw') {
      // node:http clients (axios, got, http.request) would hang on BITS_POST without it: see the shim.
      installNodeHttpShim();
      this.msw ??= setupServer(...this.handlers);
      this.msw.listen({ onUnhandledRequest: 'bypass' });
    }
    // msw's interceptors patch node:http's exports and restore them: the counting goes on top of what is
    // there now, and ES module imports follow either way.
    countRequests(http);
    countRequests(https);
    syncBuiltinESMExports();
  }

  /** The direct route's fetch: the request as msw's interceptor builds it, answered by getResponse. */
  private readonly directFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // FetchRequest keeps a custom method such as BITS_POST, and a body on it, as msw's interceptor does.
    const request = new FetchRequest(input, init);
    // A request's signal can abort only when the caller gave one (in init, or on a Request it passed).
    const abortable = init?.signal != null || input instanceof Request;
    const answering = getResponse(this.handlers, request).then((response) => response ?? Response.error(), serverErrorResponse);
    const answer = await (abortable ? unlessAborted(answering, request.signal) : answering);
    if (answer.type === 'error') throw Object.assign(new TypeError('Failed to fetch'), { cause: answer });
    // The handlers' own Response, its URL set as fetch sets it. msw's interceptor wraps it in a new one to
    // decompress its body; our handlers never compress, and the wrapper cost about 4% of a fetch client's case.
    FetchResponse.setUrl(request.url, answer);
    return answer;
  };

  private async startWire(): Promise<{ server: WireServer; path: string }> {
    const path = localSocketPath();
    // No idle timeout: a keep-alive connection closed under a client between two requests would be a
    // network error the msw route never shows. The server never keeps the process alive.
    const server = await startWireServer({ handlers: this.handlers, path, noteOrigin: false, idleTimeoutMs: 0, unref: true });
    if (process.platform !== 'win32') process.once('exit', () => rmSync(path, { force: true }));
    this.socketPath = path;
    routeCaseHosts();
    return { server, path };
  }
}

/** The routes in use in this worker, and which of their routes: one at a time. */
let active: { routes: InProcessRoutes; route: InProcessRoute } | undefined;
let routing = false;

/** The local socket a connection to `host` goes to instead: the direct route's, for a case host. */
function caseSocket(host: string | null | undefined): string | undefined {
  return active?.route === 'direct' && CASE_HOST.test(host ?? '') ? active.routes.socketPath : undefined;
}

/**
 * Sends every connection to a *.bits.test host to the local socket of the direct route in use: an
 * http.Agent's (the client's agent still pools, keeps alive and reuses its sockets as it would over TCP),
 * and any other made with net.connect (the undici package, a client's own HTTP code). Installed once.
 */
function routeCaseHosts(): void {
  if (routing) return;
  routing = true;
  type Connect = (this: unknown, options: net.NetConnectOpts & { host?: string | null }, callback?: (error: Error | null, socket: net.Socket) => void) => net.Socket;
  const proto = http.Agent.prototype as unknown as { createConnection: Connect };
  const connect = proto.createConnection;
  proto.createConnection = function (options, callback) {
    const path = caseSocket(options.host);
    return connect.call(this, path === undefined ? options : { ...options, path }, callback);
  };
  // net.connect(options[, cb]) or net.connect(port, host[, cb]); a path is never a case host.
  type NetConnect = (this: unknown, ...args: unknown[]) => net.Socket;
  const netModule = net as unknown as { connect: NetConnect; createConnection: NetConnect };
  const netConnect = netModule.connect;
  const routed: NetConnect = function (...args) {
    const [first, second, ...rest] = args;
    if (first !== null && typeof first === 'object') {
      const path = caseSocket((first as { host?: string }).host);
      if (path !== undefined) return netConnect.call(this, { ...first, path }, second, ...rest);
    } else if (typeof first === 'number' && typeof second === 'string') {
      const path = caseSocket(second);
      if (path !== undefined) return netConnect.call(this, { path }, ...rest);
    }
    return netConnect.apply(this, args);
  };
  netModule.connect = routed;
  netModule.createConnection = routed;
  syncBuiltinESMExports();
}

/** The requests in flight of the case open now, counted by the wrappers of countRequests. */
let caseCounter: { n: number } | undefined;
const counting = new WeakSet<object>();
/** True while a wrapper starts a request: a wrapper under another (msw's interceptor between them) counts none. */
let starting = false;

/**
 * Wraps the module's request and get (msw's interceptors, under the msw route) to count each request
 * into the open case's counter until it closes. Put on once for each route switch rather than for each
 * case: re-exporting node:http to ES module imports cost about 7% of a case.
 */
function countRequests(module: typeof http | typeof https): void {
  const counted = (start: typeof http.request): typeof http.request => {
    if (counting.has(start)) return start;
    const wrapper = ((...args: Parameters<typeof http.request>) => {
      if (starting) return start(...args);
      const counter = caseCounter;
      starting = true;
      let outgoing: http.ClientRequest;
      try {
        outgoing = start(...args);
      } finally {
        starting = false;
      }
      if (counter) {
        counter.n += 1;
        outgoing.once('close', () => (counter.n -= 1));
      }
      return outgoing;
    }) as typeof http.request;
    counting.add(wrapper);
    return wrapper;
  };
  module.request = counted(module.request as typeof http.request);
  module.get = counted(module.get as typeof http.get);
}
