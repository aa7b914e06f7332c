// Raw-socket helpers for the wire server's tests: write exact bytes, read exact bytes.
import net from 'node:net';

export interface Exchange {
  /** Everything the server sent, as latin1. */
  text: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Neither `until` held nor the server closed within the time allowed. */
  timedOut: boolean;
}

export interface ExchangeOptions {
  /** Stop (and close our side) once the received text satisfies this. */
  until?: (text: string) => boolean;
  /** Give up after this long. Default 5 s. */
  timeoutMs?: number;
  /** Shut down our sending side after the last write (the server sees end of input). */
  end?: boolean;
  /** Milliseconds between writes when `data` is split into several. */
  gapMs?: number;
}

/** Connects to 127.0.0.1:port, writes each part of `data` in turn, and collects the answer. */
export function exchange(port: number, data: string | Uint8Array | Array<string | Uint8Array>, options: ExchangeOptions = {}): Promise<Exchange> {
  const parts = Array.isArray(data) ? data : [data];
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (closed: boolean, timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), options.timeoutMs ?? 5_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (options.until?.(text)) finish(false, false);
    });
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (settled) return;
        if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
      }
      if (options.end && !settled) socket.end();
    });
  });
}

/** Splits a stream of HTTP/1.1 responses with Content-Length bodies (no chunked) into status lines and bodies. */
export function splitResponses(text: string): Array<{ statusLine: string; headers: string[]; body: string }> {
  const out: Array<{ statusLine: string; headers: string[]; body: string }> = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...headers] = rest.slice(0, end).split('\r\n');
    const length = Number(/^content-length:\s*(\d+)$/im.exec(headers.join('\n'))?.[1] ?? '0');
    const bodiless = /^HTTP\/1\.1 (1\d\d|204|304)/.test(statusLine);
    const bodyLength = bodiless ? 0 : length;
    out.push({ statusLine, headers, body: rest.slice(end + 4, end + 4 + bodyLength) });
    rest = rest.slice(end + 4 + bodyLength);
  }
  return out;
}

export interface RawConnection {
  write(data: string | Uint8Array): void;
  /** Resolves with everything received once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  text(): string;
  end(): void;
  destroy(): void;
}

/** A socket to talk to the server step by step (100-continue, keep-alive reuse). */
export async function connectRaw(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let isClosed = false;
  const waiters = new Set<() => void>();
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    for (const w of waiters) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      isClosed = true;
      for (const w of waiters) w();
      resolve();
    }),
  );
  return {
    write: (data) => void socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(text)) {
            done();
            resolve(text);
          } else if (isClosed) {
            done();
            reject(new Error(`connection closed; received ${JSON.stringify(text)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out; received ${JSON.stringify(text)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    closed,
    isClosed: () => isClosed,
    text: () => text,
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}
