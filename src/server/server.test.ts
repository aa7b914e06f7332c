// The BITS server on msw, exercised with real fetch calls through msw's interception.
import { createHash } from 'node:crypto';
import { getResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BITS_PROTOCOL_GUID } from '../protocol/index.js';
import { BitsServerPool, createBitsServer, noteRequestOrigin, ScriptedApplication, type BitsServer, type RelayForm } from './index.js';

const msw = setupServer();
const unhandled: Error[] = [];
beforeAll(() => {
  msw.listen({ onUnhandledRequest: 'error' });
  msw.events.on('unhandledException', ({ error }) => unhandled.push(error));
});
afterEach(() => {
  msw.resetHandlers();
  expect(unhandled).toEqual([]);
});
afterAll(() => msw.close());

let n = 0;
function serve(script: number[], relay: RelayForm = 'mirror') {
  const origin = `http://server-test-${++n}.bits.test`;
  const application = new ScriptedApplication(script);
  const bits: BitsServer = createBitsServer({ origin, application, relay, now: () => 0 });
  msw.use(...bits.handlers);
  const url = `${origin}/upload/file.bin`;
  const post = (headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) =>
    fetch(url, { method: 'BITS_POST', redirect: 'manual', headers, ...(body ? { body } : {}) });
  const createSession = async () => {
    const r = await post({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    return r.headers.get('BITS-Session-Id')!;
  };
  const fragment = (session: string, first: number, last: number, total: number, fill = 1) =>
    post({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': `bytes ${first}-${last}/${total}` }, new Uint8Array(last - first + 1).fill(fill));
  return { bits, application, post, createSession, fragment, url };
}

const headersOf = (r: Response) => Object.fromEntries(r.headers);

describe('packets', () => {
  test('Ping is answered with an empty Ack', async () => {
    const { post } = serve([200]);
    const r = await post({ 'BITS-Packet-Type': 'PING' });
    expect(r.status).toBe(200);
    expect(headersOf(r)).toMatchObject({ 'bits-packet-type': 'Ack', 'content-length': '0' });
  });

  test('Create-Session negotiates the protocol GUID and gives a session id', async () => {
    const { post } = serve([200]);
    const r = await post({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': `{11111111-1111-1111-1111-111111111111} ${BITS_PROTOCOL_GUID}` });
    expect(r.status).toBe(200);
    expect(r.headers.get('BITS-Protocol')).toBe(BITS_PROTOCOL_GUID);
    expect(r.headers.get('BITS-Session-Id')).toMatch(/^\{[0-9a-f-]{36}\}$/);
  });

  test('Create-Session without our protocol is a bad request (400, 0x80070057, context 0x5)', async () => {
    const { post } = serve([200]);
    const r = await post({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': '{11111111-1111-1111-1111-111111111111}' });
    expect(r.status).toBe(400);
    expect(headersOf(r)).toMatchObject({ 'bits-error-code': '0x80070057', 'bits-error-context': '0x5' });
  });

  test('an unknown packet type is a bad request', async () => {
    const { post } = serve([200]);
    expect((await post({ 'BITS-Packet-Type': 'Upload' })).status).toBe(400);
  });

  test('a fragment for an unknown session is 500 + BG_E_SESSION_NOT_FOUND with context 0x5', async () => {
    const { fragment } = serve([200]);
    const r = await fragment('{00000000-0000-0000-0000-000000000000}', 0, 9, 10);
    expect(r.status).toBe(500);
    expect(headersOf(r)).toMatchObject({ 'bits-error-code': '0x8020001F', 'bits-error-context': '0x5' });
  });
});

describe('fragments', () => {
  test('contiguous fragments advance BITS-Received-Content-Range', async () => {
    const { createSession, fragment } = serve([200]);
    const s = await createSession();
    expect((await fragment(s, 0, 9, 30)).headers.get('BITS-Received-Content-Range')).toBe('10');
    expect((await fragment(s, 10, 19, 30)).headers.get('BITS-Received-Content-Range')).toBe('20');
  });

  test('a gap gets 416 with the offset to resume from', async () => {
    const { createSession, fragment } = serve([200]);
    const s = await createSession();
    await fragment(s, 0, 9, 30);
    const r = await fragment(s, 20, 29, 30);
    expect(r.status).toBe(416);
    expect(r.headers.get('BITS-Received-Content-Range')).toBe('10');
  });

  test('an overlap writes only the new bytes', async () => {
    const { bits, createSession, fragment } = serve([200]);
    const s = await createSession();
    await fragment(s, 0, 9, 20, 1);
    const r = await fragment(s, 5, 14, 20, 2);
    expect(r.headers.get('BITS-Received-Content-Range')).toBe('15');
    const data = bits.sessions.get(s)!.data;
    expect([...data.subarray(0, 15)]).toEqual([...Array(10).fill(1), ...Array(5).fill(2)]);
  });

  test('a body that does not match its range, or a changed total, is a bad request', async () => {
    const { createSession, post, fragment } = serve([200]);
    const s = await createSession();
    const r = await post({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': s, 'Content-Range': 'bytes 0-9/20' }, new Uint8Array(5));
    expect(r.status).toBe(400);
    await fragment(s, 0, 9, 20);
    expect((await fragment(s, 10, 19, 21)).status).toBe(400);
  });
});

describe('the server application and the relay', () => {
  test('the final fragment posts the file; 200 relays success with a reply URL', async () => {
    const { application, createSession, fragment } = serve([200]);
    const s = await createSession();
    await fragment(s, 0, 9, 20, 7);
    const r = await fragment(s, 10, 19, 20, 7);
    expect(r.status).toBe(200);
    expect(r.headers.get('BITS-Received-Content-Range')).toBe('20');
    expect(application.received).toHaveLength(1);
    expect([...application.received[0]!.file]).toEqual(Array(20).fill(7));
    const reply = await fetch(r.headers.get('BITS-Reply-URL')!);
    expect(new TextDecoder().decode(await reply.arrayBuffer())).toBe(new TextDecoder().decode(application.replies[0]));
  });

  test.for([
    { relay: 'mirror' as const, status: 403, ack: 403, header: 'bits-error-code', code: '0x80190193' },
    { relay: 'alt-header' as const, status: 503, ack: 503, header: 'bits-error', code: '0x801901F7' },
    { relay: 'mirror' as const, status: 100, ack: 500, header: 'bits-error-code', code: '0x80190064' },
    { relay: 'alt-header' as const, status: 199, ack: 500, header: 'bits-error', code: '0x801900C7' },
    { relay: 'mirror' as const, status: 204, ack: 204, header: 'bits-error-code', code: '0x801900CC' },
    { relay: 'mirror' as const, status: 304, ack: 304, header: 'bits-error-code', code: '0x80190130' },
    { relay: 'mirror' as const, status: 301, ack: 301, header: 'bits-error-code', code: '0x8019012D' },
  ])('application $status relayed ($relay) as Ack $ack with $header $code and context 0x7', async ({ relay, status, ack, header, code }) => {
    const { createSession, fragment } = serve([status], relay);
    const s = await createSession();
    const r = await fragment(s, 0, 9, 10);
    expect(r.status).toBe(ack);
    expect(headersOf(r)).toMatchObject({ [header]: code, 'bits-error-context': '0x7', 'bits-packet-type': 'Ack', 'content-length': '0' });
    expect(r.headers.get('Location')).toBeNull();
  });

  test('every re-sent final fragment posts again; the ledger counts the posts', async () => {
    const { bits, createSession, fragment } = serve([503, 403, 200]);
    const s = await createSession();
    expect((await fragment(s, 0, 9, 10)).status).toBe(503);
    expect((await fragment(s, 0, 9, 10)).status).toBe(403);
    expect((await fragment(s, 5, 9, 10)).status).toBe(200);
    const posts = bits.ledger.entries.filter((e) => e.notification);
    // Each post carries the SHA-256 of the file the application got: the ten bytes of 1 sent.
    const fileSha256 = createHash('sha256').update(new Uint8Array(10).fill(1)).digest('hex');
    expect(posts.map((e) => e.notification)).toEqual([
      { count: 1, status: 503, fileSha256 },
      { count: 2, status: 403, fileSha256 },
      { count: 3, status: 200, fileSha256 },
    ]);
    expect(bits.ledger.entries.map((e) => e.packetType)).toEqual(['Create-Session', 'Fragment', 'Fragment', 'Fragment']);
    expect(bits.ledger.entries[1]).toMatchObject({ sessionId: s, range: { first: 0, last: 9, total: 10 }, bodyLength: 10, response: { status: 503, errorCode: 0x801901f7, errorContext: 7 } });
  });

  test('Close-Session ends the session; a later fragment or close finds no session', async () => {
    const { createSession, fragment, post } = serve([200]);
    const s = await createSession();
    await fragment(s, 0, 9, 10);
    expect((await post({ 'BITS-Packet-Type': 'Close-Session', 'BITS-Session-Id': s })).status).toBe(200);
    expect((await post({ 'BITS-Packet-Type': 'Close-Session', 'BITS-Session-Id': s })).status).toBe(500);
    expect((await fragment(s, 0, 9, 10)).status).toBe(500);
  });

  test('Cancel-Session discards the session', async () => {
    const { bits, createSession, post } = serve([200]);
    const s = await createSession();
    expect((await post({ 'BITS-Packet-Type': 'Cancel-Session', 'BITS-Session-Id': s })).status).toBe(200);
    expect(bits.sessions.get(s)!.state).toBe('cancelled');
  });
});

describe('where a session may be used', () => {
  test('a session answers only on the URL path it was created on: elsewhere 500, 0x8020001F, context 0x5', async () => {
    const { bits, createSession, url } = serve([200]);
    const s = await createSession();
    const elsewhere = await fetch(url.replace('/upload/file.bin', '/upload/other.bin'), {
      method: 'BITS_POST',
      headers: { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': s, 'Content-Range': 'bytes 0-9/10' },
      body: new Uint8Array(10),
    });
    expect(elsewhere.status).toBe(500);
    expect(headersOf(elsewhere)).toMatchObject({ 'bits-error-code': '0x8020001F', 'bits-error-context': '0x5' });
    expect(bits.sessions.get(s)!.received).toBe(0);
    // The id is still one the server gave: the judge must not call it invented.
    expect(bits.ledger.entries.at(-1)).toMatchObject({ sessionIssued: true });
  });

  /** Requests with what a transport would note about them, answered by the handlers as the wire server does. */
  function onConnection(bits: BitsServer, url: string, connection: number, headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) {
    const request = new Request(url, { method: 'BITS_POST', headers, ...(body ? { body } : {}) });
    noteRequestOrigin(request, { connection, contentLengthSent: body !== undefined });
    return getResponse(bits.handlers, request);
  }

  test('in connection scope a session is honoured only on the connection that created it', async () => {
    const url = 'http://per-connection.bits.test/upload/file.bin';
    const bits = createBitsServer({ origin: 'http://per-connection.bits.test', application: new ScriptedApplication([200]), relay: 'mirror', now: () => 0, sessionScope: 'connection' });
    const created = await onConnection(bits, url, 1, { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    const s = created!.headers.get('BITS-Session-Id')!;
    const fragment = { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': s, 'Content-Range': 'bytes 0-9/20' };
    const other = await onConnection(bits, url, 2, fragment, new Uint8Array(10));
    expect([other!.status, other!.headers.get('BITS-Error-Code')]).toEqual([500, '0x8020001F']);
    const same = await onConnection(bits, url, 1, fragment, new Uint8Array(10));
    expect([same!.status, same!.headers.get('BITS-Received-Content-Range')]).toEqual([200, '10']);
    expect(bits.ledger.entries.map((e) => [e.packetType, e.connection, e.contentLengthSent])).toEqual([
      ['Create-Session', 1, false],
      ['Fragment', 2, true],
      ['Fragment', 1, true],
    ]);
  });

  test('in server scope (the default) any connection may use it', async () => {
    const url = 'http://any-connection.bits.test/upload/file.bin';
    const bits = createBitsServer({ origin: 'http://any-connection.bits.test', application: new ScriptedApplication([200]), relay: 'mirror', now: () => 0 });
    const created = await onConnection(bits, url, 1, { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    const s = created!.headers.get('BITS-Session-Id')!;
    const other = await onConnection(bits, url, 2, { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': s, 'Content-Range': 'bytes 0-9/20' }, new Uint8Array(10));
    expect(other!.status).toBe(200);
  });

  test('in-process nothing is noted: the ledger has no connection and no Content-Length fact', async () => {
    const { bits, createSession } = serve([200]);
    await createSession();
    expect(bits.ledger.entries[0]).not.toHaveProperty('connection');
    expect(bits.ledger.entries[0]).not.toHaveProperty('contentLengthSent');
  });
});

describe('what the server keeps', () => {
  test('Close-Session and Cancel-Session release the bytes of the session', async () => {
    const { bits, createSession, fragment, post } = serve([200]);
    const closed = await createSession();
    await fragment(closed, 0, 9, 20);
    expect(bits.sessions.get(closed)!.data.byteLength).toBe(10);
    await post({ 'BITS-Packet-Type': 'Close-Session', 'BITS-Session-Id': closed });
    const cancelled = await createSession();
    await fragment(cancelled, 0, 9, 20);
    await post({ 'BITS-Packet-Type': 'Cancel-Session', 'BITS-Session-Id': cancelled });
    expect([closed, cancelled].map((s) => [bits.sessions.get(s)!.state, bits.sessions.get(s)!.data.byteLength])).toEqual([
      ['closed', 0],
      ['cancelled', 0],
    ]);
  });

  test('with retain, at most that many sessions and ledger entries, the oldest going first', async () => {
    const origin = 'http://bounded.bits.test';
    const application = new ScriptedApplication([200], { history: 1 });
    const bits = createBitsServer({ origin, application, relay: 'mirror', now: () => 0, retain: { sessions: 3, ledgerEntries: 5 } });
    msw.use(...bits.handlers);
    const post = (headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) => fetch(`${origin}/f.bin`, { method: 'BITS_POST', headers, ...(body ? { body } : {}) });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await post({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
      ids.push(r.headers.get('BITS-Session-Id')!);
      await post({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': ids.at(-1)!, 'Content-Range': 'bytes 0-9/10' }, new Uint8Array(10));
    }
    expect([...bits.sessions.keys()]).toEqual(ids.slice(-3));
    expect(bits.ledger.entries.map((e) => e.seq)).toEqual([12, 13, 14, 15, 16]);
    expect(bits.ledger.count).toBe(16);
    expect([application.posts, application.received.length, application.replies.length]).toEqual([8, 1, 1]);
    // A forgotten session is not found, as a BITS server that dropped it would say.
    const forgotten = await post({ 'BITS-Packet-Type': 'Close-Session', 'BITS-Session-Id': ids[0]! });
    expect([forgotten.status, forgotten.headers.get('BITS-Error-Code')]).toEqual([500, '0x8020001F']);
  });
});

describe('a pool of servers behind one set of handlers', () => {
  const options = (origin: string, script = [200]) => ({ origin, application: new ScriptedApplication(script), relay: 'mirror' as const, now: () => 0 });
  const ping = (url: string) => new Request(url, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' } });

  test('each request reaches the server whose base URL holds it, an origin or an origin and a first path segment', async () => {
    const pool = new BitsServerPool();
    const a = pool.open(options('http://pool-a.bits.test'));
    const b = pool.open(options('http://127.0.0.1:9/case-1'));
    const c = pool.open(options('http://127.0.0.1:9/case-10'));
    expect(pool.handlers.length).toBe(2);
    for (const url of ['http://pool-a.bits.test/upload/x', 'http://127.0.0.1:9/case-1/upload/x', 'http://127.0.0.1:9/CASE-10/x']) expect((await getResponse(pool.handlers, ping(url)))?.status).toBe(200);
    // Under no base URL, or the base without its slash: no handler, as msw's `${base}/*` did not match either.
    for (const url of ['http://pool-b.bits.test/x', 'http://127.0.0.1:9/case-2/x', 'http://127.0.0.1:9/case-1']) expect(await getResponse(pool.handlers, ping(url))).toBeUndefined();
    expect([a, b, c].map((s) => s.ledger.count)).toEqual([1, 1, 1]);
    b.close();
    expect(await getResponse(pool.handlers, ping('http://127.0.0.1:9/case-1/upload/x'))).toBeUndefined();
    expect(a.inFlight()).toBe(0);
  });

  test('a farm answers on its second host too, but replies are downloaded from the job base URL only', async () => {
    const pool = new BitsServerPool();
    const server = pool.open({ ...options('http://farm.bits.test'), hostId: true });
    const url = 'http://farm.bits.test/upload/f.bin';
    const created = await getResponse(pool.handlers, new Request(url, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID } }));
    const session = created!.headers.get('BITS-Session-Id')!;
    const farmUrl = `http://${created!.headers.get('BITS-Host-Id')}/upload/f.bin`;
    const fragment = new Request(farmUrl, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': 'bytes 0-9/10' }, body: new Uint8Array(10) });
    const last = await getResponse(pool.handlers, fragment);
    const replyUrl = last!.headers.get('BITS-Reply-URL')!;
    expect(replyUrl.startsWith('http://farm.bits.test/__bits-reply/')).toBe(true);
    expect((await getResponse(pool.handlers, new Request(replyUrl)))?.status).toBe(200);
    expect(await getResponse(pool.handlers, new Request(replyUrl.replace('farm.bits.test', new URL(farmUrl).host)))).toBeUndefined();
    expect(server.ledger.entries.map((e) => e.packetType)).toEqual(['Create-Session', 'Fragment', 'GET']);
  });

  test('what a handler throws is kept for the server it belongs to, and rethrown for the transport to answer', async () => {
    const pool = new BitsServerPool();
    const server = pool.open(options('http://throws.bits.test'));
    const broken = new Request('http://throws.bits.test/x', { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' }, body: new ReadableStream({ pull: (c) => c.error(new Error('body broke')) }), duplex: 'half' } as RequestInit);
    await expect(getResponse(pool.handlers, broken)).rejects.toThrow('body broke');
    expect(server.handlerErrors).toEqual(['BITS server handler threw: body broke']);
    expect(server.inFlight()).toBe(0);
  });
});
