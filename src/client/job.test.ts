// The client against the suite's msw BITS server, in virtual time.
import { describe, expect, it, vi } from 'vitest';
import { advance, MINUTE, mswWithFakeTimers, ORIGIN, payload, settle, URL_ } from './test-support.js';
import type { ClientUnderTest, Job, JobOptions } from '../harness/contract.js';
import { createBitsServer, ScriptedApplication, type BitsServer, type Fault, type RelayForm } from '../server/index.js';
import { BITS_UPLOAD_CLIENT, createUploadJob, type UploadJobOptions, type UploadJobState } from './index.js';

const server = mswWithFakeTimers();

interface Setup {
  bits: BitsServer;
  app: ScriptedApplication;
  states: UploadJobState[];
  job: ReturnType<typeof createUploadJob>;
}

function setup(script: number[], options: Partial<UploadJobOptions> = {}, relay: RelayForm = 'mirror', faults: Fault[] = []): Setup {
  const app = new ScriptedApplication(script);
  const bits = createBitsServer({ origin: ORIGIN, application: app, relay, now: () => Date.now(), faults });
  server.use(...bits.handlers);
  const states: UploadJobState[] = [];
  const job = createUploadJob({
    url: URL_,
    payload: payload(10 * 1024),
    fragmentSize: 4096,
    minimumRetryDelayMs: MINUTE,
    noProgressTimeoutMs: 60 * MINUTE,
    onStateChange: (state) => states.push(state),
    ...options,
  });
  return { bits, app, states, job };
}

const types = (bits: BitsServer): string[] => bits.ledger.entries.map((e) => e.packetType);

describe('happy path', () => {
  it('uploads in fragments, closes the session once, then acknowledges', async () => {
    const { bits, app, states, job } = setup([200]);
    expect(job.getState()).toBe('SUSPENDED');
    await settle();
    expect(bits.ledger.entries).toHaveLength(0);

    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    expect(job.getError()).toBeNull();
    expect(types(bits)).toEqual(['Ping', 'Create-Session', 'Fragment', 'Fragment', 'Fragment', 'Close-Session']);
    const fragments = bits.ledger.entries.filter((e) => e.packetType === 'Fragment');
    expect(fragments.map((e) => [e.range?.first, e.range?.last, e.range?.total])).toEqual([
      [0, 4095, 10240],
      [4096, 8191, 10240],
      [8192, 10239, 10240],
    ]);
    const sessionIds = new Set(bits.ledger.entries.slice(2).map((e) => e.sessionId));
    expect(sessionIds.size).toBe(1);
    expect([...bits.sessions.values()].map((s) => s.state)).toEqual(['closed']);
    expect(app.received).toHaveLength(1);
    expect(app.received[0]!.file).toEqual(payload(10 * 1024));
    expect(states).toEqual(['QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSFERRED']);

    await job.complete();
    await advance(24 * 60 * MINUTE);
    expect(job.getState()).toBe('ACKNOWLEDGED');
    expect(bits.ledger.entries).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('downloads the reply of an upload-reply job before Close-Session', async () => {
    const { bits, app, job } = setup([200], { type: 'upload-reply' });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    expect(types(bits).slice(-2)).toEqual(['GET', 'Close-Session']);
    expect(job.getReply()).toEqual(ScriptedApplication.replyFor(app.received[0]!, 1));
  });

  it('has no reply for a plain upload job', async () => {
    const { bits, job } = setup([200]);
    await job.resume();
    await settle();
    expect(job.getReply()).toBeNull();
    expect(types(bits)).not.toContain('GET');
  });
});

describe('the final Ack\'s range', () => {
  it('loses no data when the server keeps only part of the file on the final fragment', async () => {
    // The server's 'behind' fault: it takes the final fragment, keeps half of what it has, says so in a 200 Ack.
    const { bits, app, job } = setup([200], {}, 'mirror', [{ packet: 'Fragment', final: true, nth: 1, action: { kind: 'behind' } }]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    const fragments = bits.ledger.entries.filter((e) => e.packetType === 'Fragment');
    expect(fragments[2]!.response).toMatchObject({ status: 200, receivedRange: 5120 });
    expect(fragments[3]!.range).toEqual({ first: 5120, last: 9215, total: 10240 });
    // Posted once, with every byte: the short Ack posted nothing.
    expect(app.received).toHaveLength(1);
    expect(app.received[0]!.file).toEqual(payload(10 * 1024));
  });
});

describe('application errors on the final fragment', () => {
  it('retries a transient 503 only once the minimum retry delay has passed, without Ping, in the same session', async () => {
    const { bits, app, job } = setup([503, 200]);
    await job.resume();
    await settle();
    const t0 = Date.now();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x801901f7 });
    expect(app.received).toHaveLength(1);
    // The retry and the no-progress deadline.
    expect(vi.getTimerCount()).toBe(2);
    const before = bits.ledger.entries.length;

    await advance(MINUTE - 1);
    expect(bits.ledger.entries).toHaveLength(before);
    expect(job.getState()).toBe('TRANSIENT_ERROR');

    await advance(1);
    expect(job.getState()).toBe('TRANSFERRED');
    const retried = bits.ledger.entries.slice(before);
    expect(retried.map((e) => e.packetType)).toEqual(['Fragment', 'Close-Session']);
    expect(retried[0]!.t - t0).toBe(MINUTE);
    expect(retried[0]!.range).toEqual({ first: 8192, last: 10239, total: 10240 });
    expect(retried[0]!.sessionId).toBe(bits.ledger.entries[before - 1]!.sessionId);
    expect(app.received).toHaveLength(2);
    expect(types(bits).filter((t) => t === 'Close-Session')).toHaveLength(1);
  });

  it('stays in ERROR with no traffic after a fatal 404, and resume re-posts the final fragment', async () => {
    const { bits, app, job } = setup([404, 200]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190194 });
    const before = bits.ledger.entries.length;
    await advance(10 * 60 * MINUTE);
    expect(bits.ledger.entries).toHaveLength(before);
    expect(job.getState()).toBe('ERROR');
    expect(vi.getTimerCount()).toBe(0);

    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    // MC-BUP 3.1.4.3: resume restarts at Ping and keeps the session.
    expect(bits.ledger.entries.slice(before).map((e) => e.packetType)).toEqual(['Ping', 'Fragment', 'Close-Session']);
    expect(types(bits).filter((t) => t === 'Create-Session')).toHaveLength(1);
    expect(app.received).toHaveLength(2);
  });

  it('never re-posts after a 403, not even after resume', async () => {
    const { bits, app, states, job } = setup([403, 200]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190193 });
    const before = bits.ledger.entries.length;

    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190193 });
    await job.suspend();
    await job.resume();
    await advance(24 * 60 * MINUTE);
    expect(job.getState()).toBe('ERROR');
    expect(bits.ledger.entries).toHaveLength(before);
    expect(app.received).toHaveLength(1);
    expect(states).not.toContain('TRANSFERRED');
  });

  it('honours custom noRepostStatuses', async () => {
    const { bits, app, job } = setup([409, 200], { noRepostStatuses: [409] });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    const before = bits.ledger.entries.length;
    await job.resume();
    await advance(2 * MINUTE);
    expect(bits.ledger.entries).toHaveLength(before);
    expect(app.received).toHaveLength(1);
  });

  it('reads a relayed 1xx (Ack 500, code 0x80190064) as transient with the code as the error', async () => {
    const { bits, job } = setup([100, 200]);
    await job.resume();
    await settle();
    const final = bits.ledger.entries.at(-1)!;
    expect(final.response?.status).toBe(500);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190064 });
    await advance(MINUTE);
    expect(job.getState()).toBe('TRANSFERRED');
  });

  it('derives the application status from the error code, not the Ack status (RELAY-1XX)', async () => {
    const seen: number[] = [];
    // A policy that makes 100 fatal tells apart a client that classifies 100 from one that classifies 500.
    const classifyStatus = (status: number): 'success' | 'transient' | 'fatal' => {
      seen.push(status);
      return status === 100 ? 'fatal' : 'transient';
    };
    const { job } = setup([100], { classifyStatus });
    await job.resume();
    await settle();
    expect(seen).toEqual([100]);
    expect(job.getState()).toBe('ERROR');
  });

  it('reads the error from the BITS-Error header (RELAY-ALT-HEADER)', async () => {
    const { job } = setup([404], {}, 'alt-header');
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190194 });
  });

  it('treats an alt-header 503 as transient', async () => {
    const { job } = setup([503], {}, 'alt-header');
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x801901f7 });
  });

  it.each([
    [416, 0x801901a0],
    [413, 0x8019019d],
    [401, 0x80190191],
  ])('lets the application rules win for a relayed %i (RELAY-PRECEDENCE)', async (status, code) => {
    const { bits, job } = setup([status, 200]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code });
    // No resync, no smaller fragments, no new session.
    expect(types(bits)).toEqual(['Ping', 'Create-Session', 'Fragment', 'Fragment', 'Fragment']);
  });

  it('does not follow a 3xx Ack: 307 is fatal, 308 transient', async () => {
    const fatal = setup([307]);
    await fatal.job.resume();
    await settle();
    expect(fatal.job.getState()).toBe('ERROR');
    expect(fatal.job.getError()).toEqual({ context: 7, code: 0x80190133 });
    server.resetHandlers();
    const transient = setup([308]);
    await transient.job.resume();
    await settle();
    expect(transient.job.getState()).toBe('TRANSIENT_ERROR');
    expect(transient.job.getError()).toEqual({ context: 7, code: 0x80190134 });
  });

  it('treats a 201 from the application as transient, not success', async () => {
    const { job } = setup([201, 200]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x801900c9 });
  });

  it('accepts a custom policy that calls 201 a success', async () => {
    const { bits, job } = setup([201], { classifyStatus: (s) => (s === 200 || s === 201 ? 'success' : 'transient') });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    expect(types(bits).at(-1)).toBe('Close-Session');
  });
});

describe('retry timing', () => {
  it('keeps retrying every delay until the no-progress timeout, then reports the last error', async () => {
    const { bits, app, job } = setup([503], { minimumRetryDelayMs: MINUTE, noProgressTimeoutMs: 200_000 });
    await job.resume();
    await settle();
    const t0 = Date.now();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    for (let i = 1; i <= 3; i += 1) {
      await advance(MINUTE);
      expect(app.received).toHaveLength(1 + i);
      expect(job.getState()).toBe('TRANSIENT_ERROR');
    }
    await advance(200_000 - 3 * MINUTE - 1);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await advance(1);
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x801901f7 });
    const finals = bits.ledger.entries.filter((e) => e.notification);
    expect(finals.map((e) => e.t - t0)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
    await advance(60 * MINUTE);
    expect(app.received).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops the no-progress timer when a retry ends in a fatal error', async () => {
    const { app, job } = setup([503, 404]);
    await job.resume();
    await settle();
    await advance(MINUTE);
    expect(app.received).toHaveLength(2);
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x80190194 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes to ERROR at once when the no-progress timeout is 0', async () => {
    const { app, job } = setup([503, 200], { noProgressTimeoutMs: 0 });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 7, code: 0x801901f7 });
    expect(vi.getTimerCount()).toBe(0);
    await advance(60 * MINUTE);
    expect(app.received).toHaveLength(1);
  });

  it('does not retry when the delay is longer than the no-progress timeout', async () => {
    const { app, job } = setup([503, 200], { minimumRetryDelayMs: 10 * MINUTE, noProgressTimeoutMs: 5 * MINUTE });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    // Only the no-progress timer: no retry is armed at all.
    expect(vi.getTimerCount()).toBe(1);
    await advance(5 * MINUTE - 1);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await advance(1);
    expect(job.getState()).toBe('ERROR');
    await advance(60 * MINUTE);
    expect(app.received).toHaveLength(1);
  });

  it('retries at once on resume from TRANSIENT_ERROR, restarting at Ping', async () => {
    const { bits, app, job } = setup([503, 200]);
    await job.resume();
    await settle();
    const before = bits.ledger.entries.length;
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    expect(bits.ledger.entries.slice(before).map((e) => e.packetType)).toEqual(['Ping', 'Fragment', 'Close-Session']);
    expect(app.received).toHaveLength(2);
    // The pending retry timer was cancelled.
    expect(vi.getTimerCount()).toBe(0);
    await advance(2 * MINUTE);
    expect(app.received).toHaveLength(2);
  });

  it('opens a fresh no-progress window on resume', async () => {
    const { app, job } = setup([503], { minimumRetryDelayMs: MINUTE, noProgressTimeoutMs: 200_000 });
    await job.resume();
    await settle();
    await advance(MINUTE);
    await advance(MINUTE);
    await advance(30_000);
    expect(app.received).toHaveLength(3);
    // Resume at 150 s: the window restarts there, so the deadline moves from 200 s to 350 s.
    await job.resume();
    await settle();
    expect(app.received).toHaveLength(4);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await advance(50_000);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await advance(MINUTE);
    await advance(MINUTE);
    await advance(200_000 - 2 * MINUTE - 50_000 - 1);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await advance(1);
    expect(job.getState()).toBe('ERROR');
  });

  it('uses 600 s and 14 days by default', async () => {
    let calls = 0;
    const failing = (async () => {
      calls += 1;
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const job = createUploadJob({ url: URL_, payload: payload(10), fetch: failing });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(job.getError()).toEqual({ context: 6, code: 0x80072efe });
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(599_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    // Up to the 14-day deadline: one retry every 600 s; the one due at the deadline is never armed.
    await vi.advanceTimersByTimeAsync(1_209_600_000 - 600_000 - 1);
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    expect(calls).toBe(2016);
    await vi.advanceTimersByTimeAsync(1);
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 6, code: 0x80072efe });
    expect(calls).toBe(2016);
  });
});

describe('control', () => {
  it('suspends mid-upload (ignoring the in-flight result) and resumes in the same session', async () => {
    let fragments = 0;
    let job!: ReturnType<typeof createUploadJob>;
    const setupResult = setup([200], {
      fetch: (input, init) => {
        // Suspend while the second fragment is on the wire.
        const type = new Headers(init?.headers).get('BITS-Packet-Type');
        if (type === 'Fragment' && ++fragments === 2) void job.suspend();
        return globalThis.fetch(input, init);
      },
    });
    const { bits } = setupResult;
    job = setupResult.job;
    await job.resume();
    await settle();
    expect(job.getState()).toBe('SUSPENDED');
    expect(types(bits)).toEqual(['Ping', 'Create-Session', 'Fragment', 'Fragment']);
    await advance(60 * MINUTE);
    expect(bits.ledger.entries).toHaveLength(4);

    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSFERRED');
    // The client never learnt the second fragment's Ack, so it re-sends it; the server resyncs.
    expect(bits.ledger.entries.slice(4).map((e) => [e.packetType, e.range?.first])).toEqual([
      ['Ping', undefined],
      ['Fragment', 4096],
      ['Fragment', 8192],
      ['Close-Session', undefined],
    ]);
    expect(types(bits).filter((t) => t === 'Create-Session')).toHaveLength(1);
  });

  it('cancels: Cancel-Session for the open session, then CANCELLED with no more traffic', async () => {
    const { bits, job } = setup([503]);
    await job.resume();
    await settle();
    expect(job.getState()).toBe('TRANSIENT_ERROR');
    await job.cancel();
    expect(job.getState()).toBe('CANCELLED');
    await settle();
    expect(types(bits).at(-1)).toBe('Cancel-Session');
    expect([...bits.sessions.values()].map((s) => s.state)).toEqual(['cancelled']);
    expect(vi.getTimerCount()).toBe(0);
    const count = bits.ledger.entries.length;
    await advance(24 * 60 * MINUTE);
    expect(bits.ledger.entries).toHaveLength(count);
    await job.resume();
    await job.complete();
    expect(job.getState()).toBe('CANCELLED');
  });

  it('ignores complete() before TRANSFERRED', async () => {
    const { job } = setup([404]);
    await job.complete();
    expect(job.getState()).toBe('SUSPENDED');
    await job.resume();
    await settle();
    await job.complete();
    expect(job.getState()).toBe('ERROR');
  });

  it('turns an exception inside the job into ERROR (UNKNOWN, E_UNEXPECTED) and survives a throwing listener', async () => {
    const { job } = setup([503], {
      classifyStatus: () => {
        throw new Error('policy bug');
      },
      onStateChange: () => {
        throw new Error('listener bug');
      },
    });
    await job.resume();
    await settle();
    expect(job.getState()).toBe('ERROR');
    expect(job.getError()).toEqual({ context: 1, code: 0x8000ffff });
  });
});

describe('public surface', () => {
  it('names itself and fits the harness contract', () => {
    const adapter: ClientUnderTest = { ...BITS_UPLOAD_CLIENT, capabilities: { uploadReply: true }, createJob: (o: JobOptions): Job => createUploadJob(o) };
    expect(adapter.name).toBe('bits-conformance reference client');
    expect(adapter.version).toBe('0.1.0');
  });

  it('rejects options it cannot honour', () => {
    expect(() => createUploadJob({ url: 'not a url', payload: payload(1) })).toThrow(TypeError);
    expect(() => createUploadJob({ url: URL_, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => createUploadJob({ url: URL_, payload: payload(1), fragmentSize: 0 })).toThrow(RangeError);
    expect(() => createUploadJob({ url: URL_, payload: payload(1), minimumRetryDelayMs: -1 })).toThrow(RangeError);
  });
});
