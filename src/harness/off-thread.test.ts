// Work a client starts off the main thread is seen until it calls back (built-differently.test.ts shows the
// verdicts of clients that await such work).
import { webcrypto, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync, rmSync, writeFile as writeFileWithCallback } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { offThreadWork } from './off-thread.js';

const work = offThreadWork();
const hop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What pending() says once the work has started, on each hop while it runs, and once it has called back. */
async function watch(start: () => Promise<unknown>): Promise<{ started: number; during: number[]; after: number }> {
  let done = false;
  const during: number[] = [];
  const running = start().then(() => (done = true));
  const started = work.pending(); // no callback can run in the turn that started the work
  while (!done) {
    await hop();
    if (!done) during.push(work.pending());
  }
  await running;
  await hop();
  return { started, during, after: work.pending() };
}

describe('work off the main thread is pending until it calls back', () => {
  const file = join(tmpdir(), `bits-conformance-off-thread-${process.pid}`);
  afterAll(() => rmSync(file, { force: true }));
  test.each([
    ['a WebCrypto digest', () => webcrypto.subtle.digest('SHA-256', new Uint8Array(1 << 20))],
    ['randomBytes with a callback', () => promisify(randomBytes)(1 << 20)],
    ['an fs/promises write', () => writeFile(file, new Uint8Array(1 << 20))],
    ['an fs call with a callback', () => promisify(writeFileWithCallback)(file, new Uint8Array(1 << 20))],
    ['a DNS lookup', () => lookup('localhost')],
  ])('%s', async (_, start) => {
    const { started, during, after } = await watch(start);
    expect(started).toBeGreaterThan(0);
    expect(during.filter((n) => n === 0)).toEqual([]);
    expect(after).toBe(0);
  });

  test('a crypto job run synchronously never calls back, and is not pending after its turn', async () => {
    for (let i = 0; i < 300; i++) randomUUID(); // refills its entropy pool with a synchronous job
    pbkdf2Sync('password', 'salt', 1000, 32, 'sha256');
    readFileSync(import.meta.filename);
    await hop();
    expect(work.pending()).toBe(0);
  });
});
