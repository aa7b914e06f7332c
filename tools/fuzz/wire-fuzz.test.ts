// Property: whatever bytes arrive, the wire server answers or closes in bounded time, never crashes,
// never leaks a rejection, and keeps its memory bounded. Random bytes and mutated valid requests
// (truncated, duplicated, flipped, CR/LF inserted, huge numbers) over real sockets on 127.0.0.1.
import fc from 'fast-check';
import { HttpHandler, HttpResponse } from 'msw';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWireServer, type WireServer } from '../../src/wire/index.js';
import { exchange } from '../../src/wire/test-support.js';
import { answeredOrClosed, connection, splitAt, wellFormed } from './inputs.js';

const IDLE_MS = 60; // short, so inputs that stop mid-request are closed quickly
const BOUND_MS = 3_000; // answer-or-close bound per connection (generous: a slow 2-core machine, GC)
const RUNS = 800; // each run opens 1-4 connections at once, of one or more requests: a few thousand requests

const handler = new HttpHandler(/.*/, '*', async ({ request }) => {
  const body = new Uint8Array(await request.arrayBuffer());
  if (request.headers.get('x-fail') !== null) throw new Error('scripted failure');
  return new HttpResponse(`${request.method} ${body.byteLength}`, { status: Number(request.headers.get('x-status') ?? 200) || 200 });
});

let wire: WireServer;
const handlerErrors: Error[] = [];
const escaped: unknown[] = [];
const onEscape = (reason: unknown): void => void escaped.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  wire = await startWireServer({ handlers: [handler], idleTimeoutMs: IDLE_MS, maxBodyBytes: 1024 * 1024, onError: (e) => handlerErrors.push(e) });
});
afterAll(async () => {
  await wire.close();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

test('random and mutated requests never crash the server nor leave a connection hanging', { timeout: 300_000 }, async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  let connections = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(connection, { minLength: 1, maxLength: 4 }), async (batch) => {
      const results = await Promise.all(
        batch.map((c) =>
          exchange(wire.port, c.bytes.length === 0 ? [] : splitAt(c.bytes, c.splits), {
            end: c.end,
            timeoutMs: BOUND_MS,
            // A kept-alive connection that has its answer is done; the rest must be closed by the server.
            until: (text) => answeredOrClosed({ text, closed: false, timedOut: false }) && !c.end,
          }),
        ),
      );
      connections += batch.length;
      for (const r of results) {
        if (r.timedOut || !wellFormed(r) || !answeredOrClosed(r)) return false;
      }
      return escaped.length === 0;
    }),
    { numRuns: RUNS, seed: 20240611, endOnFailure: true },
  );
  expect(connections).toBeGreaterThan(1500);
  expect(escaped).toEqual([]);

  // Still serving, every connection eventually gone, memory bounded.
  const alive = await exchange(wire.port, 'GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  expect(alive.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*GET 0$/);
  await expect.poll(() => wire.connections(), { timeout: 5_000 }).toBe(0);
  const growth = process.memoryUsage().heapUsed - heapBefore;
  expect(growth).toBeLessThan(200 * 1024 * 1024);
  // Handlers did run and fail on purpose; none of it escaped.
  expect(handlerErrors.every((e) => e.message === 'scripted failure')).toBe(true);
});
