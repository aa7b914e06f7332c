// `serve` as a long-running server: where it listens, and that what it keeps stays bounded under a flood
// (proved by counts of sessions, ledger entries, posts and connections, never by timers).
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { BITS_PROTOCOL_GUID } from '../protocol/index.js';
import { connectRaw, exchange, splitResponses, type RawConnection } from '../wire/test-support.js';
import { SERVE_LIMITS, startServe, type ServeHandle, type ServeLimits } from './serve.js';

let serving: ServeHandle | undefined;
/** host:port of the server under test, for the Host header (its handlers live under that origin). */
let host = '';
const raws: RawConnection[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  await serving?.close();
  serving = undefined;
});

async function serve(limits?: ServeLimits): Promise<{ handle: ServeHandle; lines: string[] }> {
  const lines: string[] = [];
  serving = await startServe({}, (line) => lines.push(line), limits);
  host = new URL(serving.url).host;
  return { handle: serving, lines };
}

function post(path: string, packetType: string, headers: Record<string, string> = {}, body = ''): string {
  return `BITS_POST ${path} HTTP/1.1\r\nHost: ${host}\r\nBITS-Packet-Type: ${packetType}\r\nContent-Length: ${body.length}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}
const createSession = (path: string): string => post(path, 'Create-Session', { 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });

/** Sends the requests pipelined on one connection and returns the answers. */
async function pipelined(port: number, requests: string[]): Promise<ReturnType<typeof splitResponses>> {
  const r = await exchange(port, requests.join(''), { until: (t) => splitResponses(t).length === requests.length, timeoutMs: 20_000 });
  return splitResponses(r.text);
}

/** A whole upload on one connection: Create-Session, one Fragment, Close-Session. */
async function upload(port: number, path: string, file: string): Promise<void> {
  const c = await connectRaw(port);
  raws.push(c);
  c.write(createSession(path));
  const session = /bits-session-id: (\S+)/i.exec(await c.waitFor((t) => splitResponses(t).length === 1))![1]!;
  c.write(post(path, 'Fragment', { 'BITS-Session-Id': session, 'Content-Range': `bytes 0-${file.length - 1}/${file.length}` }, file));
  c.write(post(path, 'Close-Session', { 'BITS-Session-Id': session }));
  const answers = splitResponses(await c.waitFor((t) => splitResponses(t).length === 3));
  expect(answers.map((a) => a.statusLine)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
}

describe('serve', () => {
  test('listens on 127.0.0.1 and prints the URL of the address it is bound to', async () => {
    const { handle } = await serve();
    const bound = handle.wire.server.address() as AddressInfo;
    expect(bound.address).toBe('127.0.0.1');
    expect(handle.url).toBe(`http://127.0.0.1:${bound.port}`);
    const [ping] = await pipelined(bound.port, [post('/upload/file.bin', 'Ping')]);
    expect(ping?.headers).toContain('bits-packet-type: Ack');
  });

  test('keeps at most its limits of sessions, ledger entries and posts, and releases ended sessions', async () => {
    const limits: ServeLimits = { ...SERVE_LIMITS, sessions: 4, ledgerEntries: 10 };
    const { handle, lines } = await serve(limits);
    const { port } = handle.wire;
    // A flood of sessions nobody closes, then uploads that end their sessions.
    const created = await pipelined(port, Array.from({ length: 30 }, (_, i) => createSession(`/flood/${i}.bin`)));
    expect(created.every((a) => a.statusLine === 'HTTP/1.1 200 OK')).toBe(true);
    for (const n of [1, 2, 3]) await upload(port, `/upload/${n}.bin`, 'x'.repeat(1000 * n));

    expect(handle.bits.sessions.size).toBe(limits.sessions);
    const ended = [...handle.bits.sessions.values()].filter((s) => s.state === 'closed');
    expect(ended).toHaveLength(3);
    expect(ended.map((s) => s.data.byteLength)).toEqual([0, 0, 0]);
    expect(handle.bits.ledger.entries).toHaveLength(limits.ledgerEntries);
    expect(handle.bits.ledger.count).toBe(30 + 3 * 3);
    expect([handle.application.posts, handle.application.received.length]).toEqual([3, SERVE_LIMITS.posts]);
    // Every request was still printed, the ring notwithstanding.
    expect(lines.filter((l) => / #\d+ BITS_POST /.test(l))).toHaveLength(30 + 3 * 3);
  });

  test('caps the connections open at once: one more is closed as it arrives', async () => {
    const limits: ServeLimits = { ...SERVE_LIMITS, connections: 3 };
    const { handle } = await serve(limits);
    const { port } = handle.wire;
    for (let i = 0; i < limits.connections; i++) {
      const c = await connectRaw(port);
      raws.push(c);
      c.write('BITS_POST /half HTTP/1.1\r\nHost: h\r\nBITS-Pack'); // a head that never ends
    }
    await expect.poll(() => handle.wire.connections()).toBe(limits.connections);
    const extra = await exchange(port, post('/upload/file.bin', 'Ping'));
    expect(extra).toEqual({ text: '', closed: true, timedOut: false });
    expect(handle.wire.connections()).toBe(limits.connections);
  });

  test('its limits are finite', () => {
    expect(Object.values(SERVE_LIMITS).every((n) => Number.isFinite(n) && n >= 0)).toBe(true);
  });
});
