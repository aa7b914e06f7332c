// The client against a hand-made BITS server, for the answers the suite's server never gives:
// resyncs, lost sessions, 413, Close-Session failures, a missing reply URL, a wrong protocol.
import { HttpHandler, HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { advance, MINUTE, mswWithFakeTimers, ORIGIN, payload, settle, URL_ } from './test-support.js';
import { BITS_PROTOCOL_GUID, parseContentRange, type ContentRange } from '../protocol/index.js';
import { createUploadJob, type UploadJobOptions, type UploadJobState } from './index.js';

const SESSION_NOT_FOUND = '0x8020001F';
const server = mswWithFakeTimers();
const payloadOf = (length: number) => payload(length, 13, 1);

function ack(status: number, headers: Record<string, string> = {}): Response {
  return new HttpResponse(null, { status, headers: { 'BITS-Packet-Type': 'Ack', 'Content-Length': '0', ...headers } });
}

interface Seen {
  n: number;
  t: number;
  method: string;
  packetType: string;
  sessionId: string | null;
  range: ContentRange | undefined;
  headers: Headers;
  bodyLength: number;
}

/**
 * A minimal BITS server: sessions keep a contiguous prefix, the final fragment succeeds. `override`
 * answers instead of it when it returns a Response.
 */
function fakeBits(override?: (seen: Seen, log: Seen[], received: Map<string, number>) => Response | undefined) {
  const log: Seen[] = [];
  const received = new Map<string, number>();
  let sessions = 0;
  const handler = new HttpHandler(/^BITS_POST$/, `${ORIGIN}/*`, async ({ request }) => {
    const body = new Uint8Array(await request.arrayBuffer());
    const seen: Seen = {
      n: log.length + 1,
      t: Date.now(),
      method: request.method,
      packetType: request.headers.get('BITS-Packet-Type') ?? '',
      sessionId: request.headers.get('BITS-Session-Id'),
      range: parseContentRange(request.headers.get('Content-Range')),
      headers: request.headers,
      bodyLength: body.byteLength,
    };
    log.push(seen);
    const custom = override?.(seen, log, received);
    if (custom) return custom;
    switch (seen.packetType) {
      case 'Ping':
        return ack(200);
      case 'Create-Session': {
        sessions += 1;
        const id = `{00000000-0000-0000-0000-00000000000${sessions}}`;
        received.set(id, 0);
        return ack(200, { 'BITS-Protocol': BITS_PROTOCOL_GUID, 'BITS-Session-Id': id });
      }
      case 'Fragment': {
        const have = received.get(seen.sessionId ?? '');
        if (have === undefined) return ack(500, { 'BITS-Error-Code': SESSION_NOT_FOUND, 'BITS-Error-Context': '0x5' });
        const range = seen.range!;
        if (range.first > have) return ack(416, { 'BITS-Received-Content-Range': String(have), 'BITS-Error-Context': '0x5' });
        const next = Math.max(have, range.last + 1);
        received.set(seen.sessionId!, next);
        const headers: Record<string, string> = { 'BITS-Received-Content-Range': String(next) };
        if (next === range.total) headers['BITS-Reply-URL'] = `${ORIGIN}/reply/1`;
        return ack(200, headers);
      }
      default:
        return ack(200);
    }
  });
  server.use(
    handler,
    http.get(`${ORIGIN}/reply/1`, () => new HttpResponse(new TextEncoder().encode('the reply'), { status: 200 })),
  );
  const summary = (): Array<[string, number | undefined, number | undefined]> =>
    log.map((s) => [s.packetType, s.range?.first, s.range?.last]);
  return { log, summary, types: () => log.map((s) => s.packetType) };
}

function job(options: Partial<UploadJobOptions> = {}) {
  const states: UploadJobState[] = [];
  const j = createUploadJob({
    url: URL_,
    payload: payloadOf(10 * 1024),
    fragmentSize: 4096,
    minimumRetryDelayMs: MINUTE,
    noProgressTimeoutMs: 60 * MINUTE,
    onStateChange: (s) => states.push(s),
    ...options,
  });
  return Object.assign(j, { states });
}

describe('requests', () => {
  it('sends BITS_POST with redirect manual and the MC-BUP headers', async () => {
    const inits: RequestInit[] = [];
    const bits = fakeBits();
    const j = job({
      fetch: (input, init) => {
        inits.push(init ?? {});
        return globalThis.fetch(input, init);
      },
    });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(inits.every((i) => i.method === 'BITS_POST' && i.redirect === 'manual')).toBe(true);
    expect(bits.log.every((s) => s.method === 'BITS_POST')).toBe(true);
    const create = bits.log.find((s) => s.packetType === 'Create-Session')!;
    expect(create.headers.get('BITS-Supported-Protocols')).toBe(BITS_PROTOCOL_GUID);
    const fragments = bits.log.filter((s) => s.packetType === 'Fragment');
    expect(fragments.map((s) => s.headers.get('Content-Name'))).toEqual(['report.bin', 'report.bin', 'report.bin']);
    expect(fragments.map((s) => s.headers.get('Content-Range'))).toEqual(['bytes 0-4095/10240', 'bytes 4096-8191/10240', 'bytes 8192-10239/10240']);
    expect(fragments.map((s) => s.bodyLength)).toEqual([4096, 4096, 2048]);
    const close = bits.log.at(-1)!;
    expect(close.packetType).toBe('Close-Session');
    expect(close.sessionId).toBe(fragments[0]!.sessionId);
  });

  it('rejects a Create-Session Ack without the BITS protocol GUID', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Create-Session' ? ack(200, { 'BITS-Session-Id': '{x}', 'BITS-Protocol': '{00000000-0000-0000-0000-000000000000}' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8020002b });
    expect(bits.types()).toEqual(['Ping', 'Create-Session']);
  });

  it('rejects a 200 that is not an Ack (not a BITS server)', async () => {
    const bits = fakeBits(() => new HttpResponse('<html>hello</html>', { status: 200 }));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8020002b });
    expect(bits.types()).toEqual(['Ping']);
  });

  it('rejects a fragment answer that is not an Ack', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' ? new HttpResponse(null, { status: 200, headers: { 'BITS-Received-Content-Range': String(s.range!.last + 1) } }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8020002b });
    expect(bits.types().filter((t) => t === 'Fragment')).toHaveLength(1);
  });

  it('accepts the protocol GUID in another case', async () => {
    fakeBits((s) =>
      s.packetType === 'Create-Session' ? ack(200, { 'BITS-Session-Id': '{s}', 'BITS-Protocol': BITS_PROTOCOL_GUID.toUpperCase() }) : s.packetType === 'Fragment' ? ack(200, { 'BITS-Received-Content-Range': String(s.range!.last + 1) }) : undefined,
    );
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
  });
});

describe('fragments follow the server', () => {
  it('continues from BITS-Received-Content-Range, not from its own count', async () => {
    // The server keeps only 2048 of the first 4096 bytes.
    const bits = fakeBits((s, _log, received) => {
      if (s.packetType !== 'Fragment' || s.n !== 3) return undefined;
      received.set(s.sessionId!, 2048);
      return ack(200, { 'BITS-Received-Content-Range': '2048' });
    });
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(bits.summary().filter(([t]) => t === 'Fragment')).toEqual([
      ['Fragment', 0, 4095],
      ['Fragment', 2048, 6143],
      ['Fragment', 6144, 10239],
    ]);
  });

  it('is not done when the final fragment\'s 200 Ack names a range short of the end: it goes on from there', async () => {
    // The server takes the last fragment but keeps only 5000 bytes (ACK-RANGE-ALWAYS).
    let behind = false;
    const bits = fakeBits((s, _log, received) => {
      if (s.packetType !== 'Fragment' || s.range!.last !== 10239 || behind) return undefined;
      behind = true;
      received.set(s.sessionId!, 5000);
      return ack(200, { 'BITS-Received-Content-Range': '5000' });
    });
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(bits.summary().filter(([t]) => t === 'Fragment')).toEqual([
      ['Fragment', 0, 4095],
      ['Fragment', 4096, 8191],
      ['Fragment', 8192, 10239],
      ['Fragment', 5000, 9095],
      ['Fragment', 9096, 10239],
    ]);
    expect([...new Set(bits.log.slice(2).map((s) => s.sessionId))]).toHaveLength(1);
  });

  it('is not done when a one-fragment upload\'s Ack names a range short of the end', async () => {
    const bits = fakeBits((s, _log, received) => {
      if (s.packetType !== 'Fragment' || s.range!.first !== 0) return undefined;
      received.set(s.sessionId!, 100);
      return ack(200, { 'BITS-Received-Content-Range': '100' });
    });
    const j = job({ payload: payloadOf(1000) });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(bits.summary().filter(([t]) => t === 'Fragment')).toEqual([
      ['Fragment', 0, 999],
      ['Fragment', 100, 999],
    ]);
  });

  it('resyncs on 416 from the offset the server names, with no error', async () => {
    // The server already holds 8192 bytes of this session (from an attempt the client never heard of).
    const bits = fakeBits((s) =>
      s.packetType === 'Fragment' && s.range!.first === 0
        ? ack(416, { 'BITS-Received-Content-Range': '8192', 'BITS-Error-Code': '0x0', 'BITS-Error-Context': '0x5' })
        : s.packetType === 'Fragment'
          ? ack(200, { 'BITS-Received-Content-Range': String(s.range!.last + 1) })
          : undefined,
    );
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(j.states).not.toContain('TRANSIENT_ERROR');
    expect(bits.summary().filter(([t]) => t === 'Fragment')).toEqual([
      ['Fragment', 0, 4095],
      ['Fragment', 8192, 10239],
    ]);
  });

  it('starts a new session from byte 0 when the server lost the session mid-upload', async () => {
    let lost = false;
    const bits = fakeBits((s) => {
      if (s.packetType === 'Fragment' && s.range!.first === 4096 && !lost) {
        lost = true;
        return ack(500, { 'BITS-Error-Code': SESSION_NOT_FOUND, 'BITS-Error-Context': '0x5' });
      }
      return undefined;
    });
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(j.states).not.toContain('TRANSIENT_ERROR');
    expect(bits.summary()).toEqual([
      ['Ping', undefined, undefined],
      ['Create-Session', undefined, undefined],
      ['Fragment', 0, 4095],
      ['Fragment', 4096, 8191],
      ['Create-Session', undefined, undefined],
      ['Fragment', 0, 4095],
      ['Fragment', 4096, 8191],
      ['Fragment', 8192, 10239],
      ['Close-Session', undefined, undefined],
    ]);
    const sessions = bits.log.filter((s) => s.packetType === 'Fragment').map((s) => s.sessionId);
    expect(new Set(sessions.slice(0, 2)).size).toBe(1);
    expect(sessions[2]).not.toBe(sessions[0]);
    expect(bits.log.at(-1)!.sessionId).toBe(sessions[2]);
  });

  it('stops a server that never lets the upload advance instead of spinning', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' ? ack(200, { 'BITS-Received-Content-Range': '0' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSIENT_ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8020002b });
    expect(bits.types().filter((t) => t === 'Fragment')).toHaveLength(65);
  });

  it('halves the fragment size on 413 until the server takes it', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' && s.bodyLength > 1024 ? ack(413, { 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job({ fragmentSize: 4096 });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    const sizes = bits.log.filter((s) => s.packetType === 'Fragment').map((s) => s.bodyLength);
    expect(sizes).toEqual([4096, 2048, ...Array<number>(10).fill(1024)]);
  });

  it('shrinks on 413 to a fragment that is the whole rest of the file (a small file in one fragment)', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' && s.bodyLength > 300 ? ack(413, { 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job({ payload: payloadOf(1000) });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(bits.log.filter((s) => s.packetType === 'Fragment').map((s) => s.bodyLength)).toEqual([1000, 500, 250, 250, 250, 250]);
  });

  it('gives up on 413 once a fragment of one byte is too large: a server error', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' ? ack(413, { 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job({ payload: payloadOf(1000) });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8019019d });
    expect(bits.log.filter((s) => s.packetType === 'Fragment').map((s) => s.bodyLength)).toEqual([1000, 500, 250, 125, 62, 31, 15, 7, 3, 1]);
  });

  it('reports a server error with context 5 and the code of its header', async () => {
    fakeBits((s) => (s.packetType === 'Fragment' ? ack(503, { 'BITS-Error-Code': '0x80070008', 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSIENT_ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x80070008 });
  });

  it('retries a network failure after the delay, with the next fragment and no Ping', async () => {
    let failed = false;
    const bits = fakeBits();
    const j = job({
      fetch: (input, init) => {
        const range = new Headers(init?.headers).get('Content-Range');
        if (range?.startsWith('bytes 4096-') && !failed) {
          failed = true;
          return Promise.reject(new TypeError('fetch failed'));
        }
        return globalThis.fetch(input, init);
      },
    });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSIENT_ERROR');
    expect(j.getError()).toEqual({ context: 6, code: 0x80072efe });
    const before = bits.log.length;
    await advance(MINUTE - 1);
    expect(bits.log).toHaveLength(before);
    await advance(1);
    expect(j.getState()).toBe('TRANSFERRED');
    expect(j.getError()).toBeNull();
    expect(bits.summary().slice(before)).toEqual([
      ['Fragment', 4096, 8191],
      ['Fragment', 8192, 10239],
      ['Close-Session', undefined, undefined],
    ]);
  });
});

describe('Close-Session and Cancel-Session', () => {
  it('resends Close-Session after a 503, after the delay, without re-posting', async () => {
    let closes = 0;
    const bits = fakeBits((s) => (s.packetType === 'Close-Session' && ++closes === 1 ? ack(503, { 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSIENT_ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x801901f7 });
    await advance(MINUTE - 1);
    expect(closes).toBe(1);
    await advance(1);
    expect(j.getState()).toBe('TRANSFERRED');
    expect(bits.types().filter((t) => t === 'Close-Session')).toHaveLength(2);
    expect(bits.log.filter((s) => s.range?.last === 10239)).toHaveLength(1);
  });

  it('does not resend Close-Session after a 404', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Close-Session' ? ack(404, { 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    await advance(60 * MINUTE);
    expect(bits.types().filter((t) => t === 'Close-Session')).toHaveLength(1);
  });

  it('takes session-not-found on Close-Session as done', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Close-Session' ? ack(500, { 'BITS-Error-Code': SESSION_NOT_FOUND, 'BITS-Error-Context': '0x5' }) : undefined));
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    await advance(60 * MINUTE);
    expect(bits.types().filter((t) => t === 'Close-Session')).toHaveLength(1);
  });

  it('resends Cancel-Session on 503 while the job stays CANCELLED', async () => {
    let cancels = 0;
    const bits = fakeBits((s) => {
      if (s.packetType === 'Cancel-Session') return ++cancels === 1 ? ack(503) : ack(200);
      if (s.packetType === 'Fragment' && s.range!.first === 4096) return ack(503, { 'BITS-Error-Context': '0x5' });
      return undefined;
    });
    const j = job();
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSIENT_ERROR');
    await j.cancel();
    await settle();
    expect(j.getState()).toBe('CANCELLED');
    expect(cancels).toBe(1);
    await advance(MINUTE);
    expect(cancels).toBe(2);
    await advance(60 * MINUTE);
    expect(cancels).toBe(2);
    expect(j.getState()).toBe('CANCELLED');
    expect(bits.log.filter((s) => s.packetType === 'Cancel-Session').every((s) => s.sessionId === bits.log[2]!.sessionId)).toBe(true);
  });
});

describe('upload-reply', () => {
  it('downloads the reply with a plain GET', async () => {
    fakeBits();
    const j = job({ type: 'upload-reply' });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('TRANSFERRED');
    expect(new TextDecoder().decode(j.getReply()!)).toBe('the reply');
  });

  it('fails with BG_E_INVALID_SERVER_RESPONSE when the success Ack has no BITS-Reply-URL', async () => {
    const bits = fakeBits((s) => (s.packetType === 'Fragment' && s.range!.last === 10239 ? ack(200, { 'BITS-Received-Content-Range': '10240' }) : undefined));
    const j = job({ type: 'upload-reply' });
    await j.resume();
    await settle();
    expect(j.getState()).toBe('ERROR');
    expect(j.getError()).toEqual({ context: 5, code: 0x8020002b });
    expect(j.getReply()).toBeNull();
    expect(bits.types()).not.toContain('Close-Session');
    expect(vi.getTimerCount()).toBe(0);
  });
});
