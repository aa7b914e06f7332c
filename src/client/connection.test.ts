// The reference client and the Python example over real TCP (our wire server), against a BITS server
// that honours a session only on the connection that created it, as one open-source Python server does.
// What is checked is seen at the server: the bytes it holds (by hash), the connections each job used,
// and, from each raw request head, whether Content-Length was sent.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../harness/contract.js';
import { ProcessClient, type RemoteJob } from '../harness/process-client.js';
import { createBitsServer, ScriptedApplication, type BitsServer, type Fault, type LedgerEntry } from '../server/index.js';
import { startWireServer, type WireServer } from '../wire/index.js';
import { createUploadJob, type UploadJob } from './index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON_EXAMPLE = 'python3 examples/python/bits_client.py';
const MiB = 1024 * 1024;

let wire: WireServer;
let bits: BitsServer;
let application: ScriptedApplication;
let accepted = 0;
let python: ProcessClient | undefined;
const jobs: UploadJob[] = [];

beforeAll(async () => {
  wire = await startWireServer({ handlers: () => bits.handlers });
  wire.server.on('connection', () => (accepted += 1));
});
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.cancel();
});
afterAll(async () => {
  await python?.close();
  await wire.close();
});

/** A fresh per-connection-session server under the wire server's origin. */
function perConnectionServer(faults: Fault[] = []): void {
  application = new ScriptedApplication([200]);
  bits = createBitsServer({ origin: wire.url, application, relay: 'mirror', now: Date.now, sessionScope: 'connection', faults });
  accepted = 0;
}

function payloadOf(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const connectionsOf = (entries: LedgerEntry[]): Set<number | undefined> => new Set(entries.map((e) => e.connection));
const forPath = (path: string): LedgerEntry[] => bits.ledger.entries.filter((e) => new URL(e.url).pathname === path);

function referenceJob(path: string, payload: Uint8Array): UploadJob {
  const job = createUploadJob({ url: `${wire.url}${path}`, payload, minimumRetryDelayMs: 60_000, noProgressTimeoutMs: 600_000 });
  jobs.push(job);
  return job;
}

async function until(job: Pick<Job, 'getState'> & { refresh?: () => Promise<void> }, state: string): Promise<void> {
  await expect.poll(async () => (await job.refresh?.(), job.getState()), { timeout: 30_000, interval: 20 }).toBe(state);
}

describe('the reference client against per-connection sessions', () => {
  test('uploads 3 MiB in its default 1 MiB fragments on one connection per job; the server holds every byte', async () => {
    perConnectionServer();
    const payloads = [payloadOf(3 * MiB, 1), payloadOf(3 * MiB + 17, 2)];
    const uploads = payloads.map((payload, i) => ({ path: `/upload/job-${i}.bin`, payload, job: referenceJob(`/upload/job-${i}.bin`, payload) }));
    for (const { job } of uploads) await job.resume();
    for (const { job } of uploads) await until(job, 'TRANSFERRED');

    for (const { path, payload } of uploads) {
      const entries = forPath(path);
      const fragments = Array<string>(Math.ceil(payload.byteLength / MiB)).fill('Fragment');
      expect(entries.map((e) => e.packetType)).toEqual(['Ping', 'Create-Session', ...fragments, 'Close-Session']);
      expect(connectionsOf(entries).size).toBe(1);
      const posted = application.received.find((n) => new URL(n.url).pathname === path)!;
      expect(sha256(posted.file)).toBe(sha256(payload));
    }
    // One connection per job: two jobs, two connections, each job on its own.
    expect(accepted).toBe(2);
    expect(connectionsOf(forPath(uploads[0]!.path))).not.toEqual(connectionsOf(forPath(uploads[1]!.path)));

    // The job's connection goes when the job ends.
    for (const { job } of uploads) await job.complete();
    await expect.poll(() => wire.connections()).toBe(0);
  });

  test('every packet, body-less ones too, carries Content-Length: Ping, Create-Session, Fragment, Close-Session, Cancel-Session', async () => {
    // The second job's fragment (the second of the server's) gets 503: the job waits in TRANSIENT_ERROR and is cancelled there.
    perConnectionServer([{ packet: 'Fragment', nth: 2, action: { kind: 'server-error', status: 503 } }]);
    const closed = referenceJob('/upload/closed.bin', payloadOf(3000, 3));
    await closed.resume();
    await until(closed, 'TRANSFERRED');
    const cancelled = referenceJob('/upload/cancelled.bin', payloadOf(3000, 4));
    await cancelled.resume();
    await until(cancelled, 'TRANSIENT_ERROR');
    await cancelled.cancel();
    await expect.poll(() => bits.ledger.entries.at(-1)?.packetType).toBe('Cancel-Session');

    const types = new Set(bits.ledger.entries.map((e) => e.packetType));
    expect([...types].sort()).toEqual(['Cancel-Session', 'Close-Session', 'Create-Session', 'Fragment', 'Ping']);
    expect(bits.ledger.entries.filter((e) => !e.contentLengthSent).map((e) => `#${e.seq} ${e.packetType}`)).toEqual([]);
    expect(bits.ledger.entries.filter((e) => e.packetType !== 'Fragment').map((e) => e.bodyLength)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('the Python example against per-connection sessions', () => {
  test('uploads a multi-fragment file on one connection per job; the server holds every byte', async () => {
    perConnectionServer();
    python = await ProcessClient.start(PYTHON_EXAMPLE, { cwd: ROOT });
    // The example sends 4 KiB fragments: 20,000 bytes take five.
    const payloads = [payloadOf(20_000, 5), payloadOf(9_000, 6)];
    const remote: Job[] = [];
    for (const [i, payload] of payloads.entries()) {
      remote.push(await python.createJob({ url: `${wire.url}/upload/python-${i}.bin`, payload, type: 'upload', minimumRetryDelayMs: 1_000, noProgressTimeoutMs: 30_000 }));
    }
    for (const job of remote) await job.resume();
    for (const job of remote) await until(job, 'TRANSFERRED');

    for (const [i, payload] of payloads.entries()) {
      const entries = forPath(`/upload/python-${i}.bin`);
      expect(entries.filter((e) => e.packetType === 'Fragment')).toHaveLength(Math.ceil(payload.byteLength / 4096));
      expect(connectionsOf(entries).size).toBe(1);
      expect(entries.every((e) => e.contentLengthSent)).toBe(true);
      const posted = application.received.find((n) => new URL(n.url).pathname === `/upload/python-${i}.bin`)!;
      expect(sha256(posted.file)).toBe(sha256(payload));
    }
    expect(accepted).toBe(2);
    for (const job of remote) await job.complete();
    await expect.poll(() => wire.connections()).toBe(0);
  }, 60_000);
});

describe('a connection the server closes while the job waits', () => {
  // The server closes a connection idle for 200 ms; the job waits 600 ms before its retry.
  let idle: WireServer;
  let idleBits: BitsServer;
  beforeAll(async () => {
    idle = await startWireServer({ handlers: () => idleBits.handlers, idleTimeoutMs: 200 });
  });
  afterAll(() => idle.close());

  function serverClosingIdleConnections(): ScriptedApplication {
    const app = new ScriptedApplication([503, 200]);
    idleBits = createBitsServer({ origin: idle.url, application: app, relay: 'mirror', now: Date.now });
    return app;
  }

  const retriedOnNewConnection = (): void => {
    const entries = idleBits.ledger.entries;
    const [first, retried] = entries.filter((e) => e.packetType === 'Fragment');
    expect(first!.response?.status).toBe(503);
    // The retry is the next request the server saw: it went out on a new connection, with no failed attempt before it.
    expect(entries.indexOf(retried!)).toBe(entries.indexOf(first!) + 1);
    expect(retried!.connection).not.toBe(first!.connection);
    expect(entries.at(-1)!.packetType).toBe('Close-Session');
  };

  test('the reference client reopens it for the retry', async () => {
    const app = serverClosingIdleConnections();
    const states: string[] = [];
    const job = createUploadJob({ url: `${idle.url}/upload/idle.bin`, payload: payloadOf(5000, 7), minimumRetryDelayMs: 600, noProgressTimeoutMs: 30_000, onStateChange: (s) => states.push(s) });
    jobs.push(job);
    await job.resume();
    await until(job, 'TRANSFERRED');
    retriedOnNewConnection();
    expect(states.filter((s) => s === 'TRANSIENT_ERROR')).toHaveLength(1);
    expect(sha256(app.received.at(-1)!.file)).toBe(sha256(payloadOf(5000, 7)));
  });

  test('the Python example reopens it for the retry', async () => {
    const app = serverClosingIdleConnections();
    python ??= await ProcessClient.start(PYTHON_EXAMPLE, { cwd: ROOT });
    const job = (await python.createJob({ url: `${idle.url}/upload/idle.bin`, payload: payloadOf(3000, 8), type: 'upload', minimumRetryDelayMs: 600, noProgressTimeoutMs: 30_000 })) as RemoteJob;
    // The states the client pushes, every one (it sends an event on each change).
    const states: string[] = [];
    const update = job.update.bind(job);
    job.update = (state, error) => (states.push(state), update(state, error));
    await job.resume();
    await until(job, 'TRANSFERRED');
    retriedOnNewConnection();
    expect(states.filter((s) => s === 'TRANSIENT_ERROR')).toHaveLength(1);
    expect(sha256(app.received.at(-1)!.file)).toBe(sha256(payloadOf(3000, 8)));
    await job.complete();
  });
});
