// The TCP transport: serves msw request handlers to clients in other processes. Node's own HTTP
// server (and express, http-parser-js, anything on llhttp) rejects the method BITS_POST before any
// handler runs, so this is our own small HTTP/1.1 reader on net.Server (./parser.ts). Each request
// becomes a Fetch Request answered by msw's getResponse(), so one set of handlers serves both the
// in-process transport and this one.
import net, { type AddressInfo } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { getResponse, type RequestHandler } from 'msw';
import { noteRequestOrigin } from '../server/origin.js';
import { RequestParser, type ParsedRequest } from './parser.js';

// The server's own timers are always real, even while a harness fakes the globals for an in-process
// client under virtual time: a slowloris timer must never fire as if it were one of the client's.
const { setTimeout, clearTimeout } = globalThis;

export interface WireRequestInfo {
  /** The method as sent; '' when the request could not be parsed. */
  method: string;
  /** The URL given to the handlers, or the raw target when none could be built; '' if unparsed. */
  url: string;
  /** The status written; 0 when the handler asked for a network error and the connection was dropped. */
  status: number;
  /** From the end of the request to the response being handed to the socket. */
  ms: number;
  /** Why the server answered by itself (400, 404, 500, 501) or dropped the connection. */
  error?: string;
}

export interface WireServerOptions {
  /** msw handlers; a function is called again for every request (the handlers change per case). */
  handlers: RequestHandler[] | (() => RequestHandler[]);
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Listen on this local socket (a Unix domain socket, or a Windows named pipe) instead of host and port. */
  path?: string;
  /**
   * Default true: each request's connection and whether its head had Content-Length are noted for the
   * handlers (src/server/origin.ts). The in-process transport passes false: in-process the ledger knows
   * neither, whichever way a client's requests travel, so every in-process client is judged alike.
   */
  noteOrigin?: boolean;
  /** Default false. True: neither the server nor its connections keep the process alive (an in-process transport). */
  unref?: boolean;
  /** Default 64 KiB. A larger header block is answered with 400 and the connection closed. */
  maxHeaderBytes?: number;
  /** Default 16 MiB. A larger body is answered with 400 (not 413: BITS gives 413 its own meaning). */
  maxBodyBytes?: number;
  /** Default 30 s. A connection with no traffic this long is closed, mid-request or between requests. */
  idleTimeoutMs?: number;
  /** Default 5 min. A request that takes longer than this to arrive (a byte at a time) is dropped. */
  requestTimeoutMs?: number;
  /** Default 60 s (Node's headersTimeout). A request head that takes longer than this to arrive is dropped. */
  headTimeoutMs?: number;
  /** Default: no cap. Connections past this many open at once are closed as they arrive (net.Server maxConnections). */
  maxConnections?: number;
  /** Called once per response written (for a live log). */
  onRequest?(info: WireRequestInfo): void;
  /** A handler threw (or its response body failed): the client got 500. */
  onError?(error: Error): void;
}

export interface WireServer {
  /** `http://host:port`: the origin to give clients and to build the handlers for. */
  url: string;
  /** 0 on a local socket (the `path` option). */
  port: number;
  server: net.Server;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
  /** Open connections. */
  connections(): number;
}

interface Context {
  handlers: WireServerOptions['handlers'];
  noteOrigin: boolean;
  limits: { maxHeaderBytes: number; maxBodyBytes: number };
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  headTimeoutMs: number;
  /** Whether anyone reads report(): the per-request log is built only then. */
  logged: boolean;
  /** host:port used when a request has no Host header. */
  fallbackHost: string;
  report(info: WireRequestInfo): void;
  reportError(error: unknown): void;
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1');
/** How long a closing connection may keep sending after our last byte, so the 400 is not lost to a reset. */
const LINGER_MS = 2_000;
/** Input buffered behind a request in progress before the socket is paused (pipelining backpressure). */
const PAUSE_AT = 1024 * 1024;
/** fetch can't represent these methods (new Request throws): 501, the connection stays usable. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

/** What every connection of one server shares: the handlers, the limits, the log callbacks. */
function contextOf(options: WireServerOptions): Context {
  const safely = (call: () => void): void => {
    try {
      call();
    } catch {
      // A broken log callback must not break the transport.
    }
  };
  return {
    handlers: options.handlers,
    noteOrigin: options.noteOrigin ?? true,
    limits: { maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024, maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024 },
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
    headTimeoutMs: options.headTimeoutMs ?? 60_000,
    fallbackHost: '',
    logged: options.onRequest !== undefined,
    report: (info) => safely(() => options.onRequest?.(info)),
    reportError: (error) => safely(() => options.onError?.(error instanceof Error ? error : new Error(String(error)))),
  };
}

function listen(server: net.Server, at: { port: number; host: string } | { path: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The host part of the server's URL, from the address it is bound to. */
function urlHostOf(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

export async function startWireServer(options: WireServerOptions): Promise<WireServer> {
  const sockets = new Set<net.Socket>();
  const ctx = contextOf(options);
  // allowHalfOpen: a client may shut down its sending side after a request and still read the answer.
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (options.unref) socket.unref();
    new Connection(socket, ctx, ++accepted);
  });
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections;
    server.on('drop', () => ctx.report({ method: '', url: '', status: 0, ms: 0, error: `connection refused: ${options.maxConnections} already open` }));
  }
  await listen(server, options.path === undefined ? { port: options.port ?? 0, host: options.host ?? '127.0.0.1' } : { path: options.path });
  if (options.unref) server.unref();
  // Accept errors (EMFILE and the like) after listening must not become an uncaught exception.
  server.on('error', (error) => ctx.reportError(error));
  const address = server.address();
  // A local socket has no host of its own: requests name theirs in Host.
  ctx.fallbackHost = typeof address === 'object' && address ? `${urlHostOf(address)}:${address.port}` : 'localhost';

  let closing: Promise<void> | undefined;
  return {
    url: `http://${ctx.fallbackHost}`,
    port: typeof address === 'object' && address ? address.port : 0,
    server,
    connections: () => sockets.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** What to write for one request. */
type Outcome =
  | { kind: 'response'; status: number; statusText: string; headers: Headers | undefined; body: Uint8Array; url: string; error?: string; close?: boolean }
  | { kind: 'drop'; url: string; error: string };

/** One client connection: parses requests one at a time and answers them in order. */
class Connection {
  private readonly parser: RequestParser;
  /** A request is being answered; further input waits in the parser, so responses stay in order. */
  private busy = false;
  /** A handler is running: silence from the client is expected, not idleness. */
  private inHandler = false;
  private peerEnded = false;
  private closing = false;
  private requestTimer: NodeJS.Timeout | undefined;

  private headTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: Context,
    /** This connection's number, for handlers that keep sessions per connection. */
    private readonly id: number,
  ) {
    this.parser = new RequestParser(ctx.limits);
    socket.setTimeout(ctx.idleTimeoutMs);
    socket.on('timeout', () => {
      if (!this.inHandler) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    socket.on('end', () =>
      this.guard(() => {
        this.peerEnded = true;
        if (!this.busy) this.pump();
      }),
    );
    // Resets and the like: 'close' follows, and nothing is left to do.
    socket.on('error', () => undefined);
    socket.on('close', () => this.clearRequestTimer());
  }

  /** A bug in the reader costs this connection, never the process (an event handler that throws would). */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.ctx.reportError(error);
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return; // lingering after our last response: discard
    this.parser.push(chunk);
    if (!this.busy) this.pump();
    else if (this.parser.buffered > PAUSE_AT) this.socket.pause();
  }

  private pump(): void {
    while (!this.busy && !this.closing && !this.socket.destroyed) {
      const step = this.parser.next();
      switch (step.kind) {
        case 'need-more':
          if (this.peerEnded) {
            // Nothing more will come: a half request is dropped without an answer.
            this.shutdown();
            return;
          }
          if (this.parser.inProgress) this.startRequestTimer();
          if (this.parser.readingHead) this.startHeadTimer();
          else this.clearHeadTimer();
          if (this.socket.isPaused()) this.socket.resume();
          return;
        case 'continue':
          this.socket.write(CONTINUE);
          break;
        case 'error':
          this.socket.write(BAD_REQUEST);
          this.ctx.report({ method: '', url: '', status: 400, ms: 0, error: step.reason });
          this.shutdown();
          return;
        case 'request':
          this.clearRequestTimer();
          this.busy = true;
          this.answer(step.request).then(
            () => this.guard(() => this.done()),
            (error: unknown) => {
              // answer() catches everything it expects; this is a bug, reported and contained.
              this.ctx.reportError(error);
              this.socket.destroy();
            },
          );
          return;
      }
    }
  }

  private done(): void {
    this.busy = false;
    if (!this.closing && !this.socket.destroyed) this.pump();
  }

  private async answer(request: ParsedRequest): Promise<void> {
    const started = performance.now();
    this.inHandler = true;
    let outcome: Outcome;
    try {
      outcome = await resolveRequest(request, this.ctx, this.id);
    } finally {
      this.inHandler = false;
    }
    const info = (status: number): WireRequestInfo => ({
      method: request.method,
      url: outcome.url,
      status,
      ms: performance.now() - started,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    });
    if (this.socket.destroyed) return;
    if (outcome.kind === 'drop') {
      if (this.ctx.logged) this.ctx.report(info(0));
      this.socket.destroy();
      return;
    }
    const { head, close } = serializeHead(outcome, request);
    // The answer to HEAD is its head alone (RFC 9110 9.3.2): a body would be read as the next response.
    const body = request.method.toUpperCase() === 'HEAD' ? new Uint8Array(0) : outcome.body;
    // One write for the usual small answer (one syscall, one segment); big bodies are not copied.
    if (body.byteLength === 0) this.socket.write(head);
    else if (body.byteLength <= 16 * 1024) this.socket.write(Buffer.concat([head, body]));
    else {
      this.socket.cork();
      this.socket.write(head);
      this.socket.write(body);
      this.socket.uncork();
    }
    if (this.ctx.logged) this.ctx.report(info(outcome.status));
    if (close) return this.shutdown();
    if (this.socket.writableNeedDrain) await this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        this.socket.off('drain', finish);
        this.socket.off('close', finish);
        resolve();
      };
      this.socket.on('drain', finish);
      this.socket.on('close', finish);
    });
  }

  /** Sends FIN after what is queued, discards further input, and destroys after a short linger. */
  private shutdown(): void {
    this.closing = true;
    this.clearRequestTimer();
    this.socket.resume();
    this.socket.end(() => {
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    });
  }

  private startRequestTimer(): void {
    this.requestTimer ??= setTimeout(() => this.socket.destroy(), this.ctx.requestTimeoutMs);
  }

  private clearRequestTimer(): void {
    if (this.requestTimer) clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
    this.clearHeadTimer();
  }

  /** A head dripped slower than headTimeoutMs holds its connection no longer (slowloris). */
  private startHeadTimer(): void {
    this.headTimer ??= setTimeout(() => this.socket.destroy(), this.ctx.headTimeoutMs);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = undefined;
  }
}

/** Runs the handlers for one request. Never rejects. */
async function resolveRequest(request: ParsedRequest, ctx: Context, connection: number): Promise<Outcome> {
  const plain = (status: number, url: string, error: string, close = false): Outcome => ({
    kind: 'response',
    status,
    statusText: '',
    headers: undefined,
    body: new Uint8Array(0),
    url,
    error,
    close,
  });

  const url = requestUrl(request, ctx.fallbackHost);
  if (url === undefined) return plain(400, request.target, 'bad request-target or Host', true);
  const method = request.method.toUpperCase();
  if (FORBIDDEN_METHODS.has(method)) return plain(501, url, `fetch cannot represent the method ${request.method}`);

  let fetchRequest: Request;
  try {
    // fetch forbids a body on GET and HEAD: it was read to keep the framing, and is not passed on.
    const withBody = request.body.byteLength > 0 && method !== 'GET' && method !== 'HEAD';
    fetchRequest = new Request(url, { method: request.method, headers: request.headers, ...(withBody ? { body: request.body } : {}) });
  } catch (error) {
    return plain(400, url, `not a valid fetch request: ${(error as Error).message}`, true);
  }
  // Facts of the wire for the handlers, read from the head as sent: a Request's own headers are no
  // evidence of Content-Length in-process, where a fetch client's Request lacks what fetch adds on the wire.
  if (ctx.noteOrigin) {
    const contentLengthSent = request.headers.some(([name]) => name.toLowerCase() === 'content-length');
    noteRequestOrigin(fetchRequest, { connection, contentLengthSent });
  }

  let response: Response | undefined;
  try {
    const handlers = typeof ctx.handlers === 'function' ? ctx.handlers() : ctx.handlers;
    response = await getResponse(handlers, fetchRequest);
  } catch (error) {
    ctx.reportError(error);
    return plain(500, url, `handler threw: ${(error as Error)?.message ?? String(error)}`);
  }
  // msw's passthrough() has nowhere to pass through to here: the same as no handler.
  if (!response || response.headers.get('x-msw-intention') === 'passthrough') return plain(404, url, 'no handler matched');
  // HttpResponse.error() (status 0) is a network error: the client sees the connection drop.
  if (response.type === 'error' || response.status < 100 || response.status > 599) return { kind: 'drop', url, error: 'network error response' };

  let body: Uint8Array;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    ctx.reportError(error);
    return plain(500, url, `response body failed: ${(error as Error)?.message ?? String(error)}`);
  }
  return { kind: 'response', status: response.status, statusText: response.statusText, headers: response.headers, body, url };
}

/** `http://<Host or listening address><target>`; an absolute-form target as it is. */
function requestUrl(request: ParsedRequest, fallbackHost: string): string | undefined {
  if (request.target.startsWith('/')) {
    const host = request.host || fallbackHost;
    return HOST.test(host) ? `http://${host}${request.target}` : undefined;
  }
  try {
    const parsed = new URL(request.target);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? request.target : undefined;
  } catch {
    return undefined;
  }
}

/** The status line and header block, and whether the connection must close after this response. */
function serializeHead(outcome: Extract<Outcome, { kind: 'response' }>, request: ParsedRequest): { head: Buffer; close: boolean } {
  const { status, body } = outcome;
  // The reason phrase may hold HTAB, SP, VCHAR and obs-text; anything else is dropped, never sent raw.
  const reason = (outcome.statusText || STATUS_CODES[status] || '').replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  let declared: string | undefined;
  let connection: string | undefined;
  for (const [name, value] of outcome.headers ?? []) {
    // Bodies always go out with a length; a handler's Transfer-Encoding would misframe them.
    if (name === 'transfer-encoding') continue;
    if (name === 'connection') {
      connection = value;
      continue;
    }
    if (name === 'content-length') declared = value;
    lines.push(`${name}: ${value}`);
  }
  // 1xx, 204 and 304 never have a body on the wire, whatever their Content-Length says.
  const bodiless = status < 200 || status === 204 || status === 304;
  // HEAD: the head a GET would have (its Content-Length included), and no body is written.
  const headOnly = request.method.toUpperCase() === 'HEAD';
  if (declared === undefined && !bodiless) lines.push(`Content-Length: ${body.byteLength}`);
  // Bytes the client won't expect (a wrong Content-Length kept as the handler set it, a body on a
  // bodiless status) leave the connection unframeable: close it after them.
  const framed = headOnly || (bodiless ? body.byteLength === 0 : declared === undefined || declared.trim() === String(body.byteLength));
  // A 1xx as the final answer leaves the client waiting for a final status that will never come.
  const close =
    !request.keepAlive || outcome.close === true || !framed || status < 200 || (connection !== undefined && /(^|,)\s*close\s*(,|$)/i.test(connection));
  if (close) lines.push('Connection: close');
  else if (connection !== undefined) lines.push(`Connection: ${connection}`);
  else if (request.version === '1.0') lines.push('Connection: keep-alive');
  return { head: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), close };
}
