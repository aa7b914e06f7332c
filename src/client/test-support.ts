// Shared set-up of the client's own tests: an msw server, fake timers, and helpers to move time.
import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { installNodeHttpShim } from '../harness/node-http-shim.js';

// The job's own connection is node:http, which msw can only serve BITS_POST through with this shim.
installNodeHttpShim();

export const ORIGIN = 'http://client-test.bits.test';
export const URL_ = `${ORIGIN}/upload/report.bin`;
export const MINUTE = 60_000;

/** Registers the hooks: msw listening for the file, fake setTimeout/Date for each test. */
export function mswWithFakeTimers(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    server.resetHandlers();
    vi.useRealTimers();
  });
  return server;
}

/** Lets in-process I/O (msw, body streams) run; setImmediate is not faked. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

export function payload(length: number, step = 31, offset = 7): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * step + offset) & 0xff);
}
