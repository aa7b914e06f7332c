// The wire server over real TCP: the BITS handlers through supertest and Node's fetch, and the
// HTTP/1.1 edge cases through raw sockets, byte for byte.
import { HttpHandler, HttpResponse, delay, type RequestHandler } from 'msw';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BITS_PROTOCOL_GUID } from '../protocol/index.js';
import { createBitsServer, requestOrigin, ScriptedApplication, type RequestOrigin } from '../server/index.js';
import { VirtualClock } from '../harness/clock.js';
import { startWireServer, type WireRequestInfo, type WireServer } from './index.js';
import { connectRaw, exchange, splitResponses } from './test-support.js';

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
const PATH = '/upload/file.bin';

let handlers: RequestHandler[] = [];
let errors: Error[] = [];
let log: WireRequestInfo[] = [];
let wire: WireServer;

beforeAll(async () => {
  wire = await startWireServer({ handlers: () => handlers, onError: (e) => errors.push(e), onRequest: (i) => log.push(i) });
});
afterAll(() => wire.close());
afterEach(() => {
  handlers = [];
  errors = [];
  log = [];
});

/** Echoes what the handler saw: method, URL, body, and a few headers. Waits when the body says so. */
const echo = new HttpHandler(/.*/, '*', async ({ request }) => {
  const body = await request.text();
  if (body === 'slow') await delay(50);
  return new HttpResponse(`${request.method} ${request.url} [${body}]`, { status: 200, headers: { 'X-Seen-TE': request.headers.get('transfer-encoding') ?? '' } });
});

function useBits(script: number[]) {
  const application = new ScriptedApplication(script);
  const bits = createBitsServer({ origin: wire.url, application, relay: 'mirror', now: Date.now });
  handlers = bits.handlers;
  return { bits, application };
}

function bitsPost(headers: Record<string, string>, body?: Uint8Array) {
  const request = new supertest.Test(wire.server, 'BITS_POST', PATH).set(headers);
  return body ? request.send(Buffer.from(body)) : request;
}

const payloadOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + 10) & 0xff); // includes CR and LF bytes

describe('BITS over supertest (msw handlers from createBitsServer)', () => {
  test('a Ping is answered 200 with BITS-Packet-Type: Ack', async () => {
    useBits([200]);
    const res = await bitsPost({ 'BITS-Packet-Type': 'Ping' });
    expect(res.status).toBe(200);
    expect(res.headers['bits-packet-type']).toBe('Ack');
    expect(res.headers['content-length']).toBe('0');
  });

  test('Create-Session gives a BITS-Session-Id and the protocol', async () => {
    const { bits } = useBits([200]);
    const res = await bitsPost({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    expect(res.status).toBe(200);
    expect(res.headers['bits-protocol']).toBe(BITS_PROTOCOL_GUID);
    expect(res.headers['bits-session-id']).toMatch(/^\{[0-9a-f-]{36}\}$/);
    expect(bits.ledger.entries.map((e) => [e.method, e.url])).toEqual([['BITS_POST', `${wire.url}${PATH}`]]);
  });

  test('Fragment bodies arrive intact, byte for byte', async () => {
    const { bits, application } = useBits([200]);
    const created = await bitsPost({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    const session = created.headers['bits-session-id']!;
    const file = payloadOf(3000);
    const first = await bitsPost({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': 'bytes 0-1999/3000' }, file.subarray(0, 2000));
    expect(first.status).toBe(200);
    expect(first.headers['bits-received-content-range']).toBe('2000');
    expect(bits.sessions.get(session)?.data).toEqual(file.subarray(0, 2000));
    const last = await bitsPost({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': 'bytes 2000-2999/3000' }, file.subarray(2000));
    expect(last.status).toBe(200);
    expect(application.received[0]?.file).toEqual(file);
  });

  test.for([
    [403, 'HTTP/1.1 403 Forbidden'],
    [204, 'HTTP/1.1 204 No Content'],
    [304, 'HTTP/1.1 304 Not Modified'],
    [599, 'HTTP/1.1 599 '],
  ] as const)('an application status %i is relayed as itself: %j', async ([status, statusLine]) => {
    useBits([status]);
    const created = await bitsPost({ 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID });
    const session = created.headers['bits-session-id']!;
    const res = await bitsPost({ 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': 'bytes 0-9/10' }, payloadOf(10)).ok(() => true);
    expect(res.status).toBe(status);
    const raw = res.request.res; // the IncomingMessage Node's client parsed the status line into
    expect('statusMessage' in raw ? `HTTP/${raw.httpVersion} ${raw.statusCode} ${raw.statusMessage}` : raw).toBe(statusLine);
    expect(res.headers['bits-error-code']).toBe(`0x${(0x80190000 + status).toString(16).toUpperCase()}`);
    expect(res.headers['bits-error-context']).toBe('0x7');
  });
});

describe("Node's fetch (undici) with BITS_POST over real TCP", () => {
  test('Create-Session then a single Fragment completes the upload', async () => {
    const { application } = useBits([200]);
    const url = `${wire.url}${PATH}`;
    const created = await fetch(url, { method: 'BITS_POST', redirect: 'manual', headers: { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID } });
    expect(created.status).toBe(200);
    const session = created.headers.get('BITS-Session-Id')!;
    const file = payloadOf(5000);
    const res = await fetch(url, {
      method: 'BITS_POST',
      redirect: 'manual',
      headers: { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': session, 'Content-Range': 'bytes 0-4999/5000' },
      body: file,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('BITS-Packet-Type')).toBe('Ack');
    expect(res.headers.get('BITS-Reply-URL')).toContain(wire.url);
    expect(application.received[0]?.file).toEqual(file);
  });
});

describe('HTTP/1.1 over raw sockets', () => {
  test('pipelining: two requests in one write are answered in order, even when the first is slower', async () => {
    handlers = [echo];
    const one = 'BITS_POST /a HTTP/1.1\r\nHost: h.test\r\nContent-Length: 4\r\n\r\nslow';
    const two = 'BITS_POST /b HTTP/1.1\r\nHost: h.test\r\nContent-Length: 4\r\n\r\nfast';
    const r = await exchange(wire.port, one + two, { until: (t) => splitResponses(t).length === 2 && t.endsWith('[fast]') });
    expect(splitResponses(r.text).map((x) => x.body)).toEqual(['BITS_POST http://h.test/a [slow]', 'BITS_POST http://h.test/b [fast]']);
  });

  test('a chunked body is decoded; chunk extensions and trailers are ignored', async () => {
    handlers = [echo];
    const request = 'BITS_POST /c HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const r = await exchange(wire.port, request, { until: (t) => t.includes(']') });
    const [res] = splitResponses(r.text);
    expect(res?.statusLine).toBe('HTTP/1.1 200 OK');
    expect(res?.body).toBe('BITS_POST http://h.test/c [hello world]');
    expect(res?.headers).toContain('x-seen-te: chunked');
  });

  test('Expect: 100-continue gets 100 Continue before the body is sent', async () => {
    handlers = [echo];
    const c = await connectRaw(wire.port);
    c.write('BITS_POST /e HTTP/1.1\r\nHost: h.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    expect(await c.waitFor((t) => t.endsWith('\r\n\r\n'))).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.write('12345');
    const text = await c.waitFor((t) => t.endsWith(']'));
    expect(text.slice('HTTP/1.1 100 Continue\r\n\r\n'.length)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\[12345\]$/);
    c.destroy();
  });

  test('HTTP/1.0 closes after the response unless keep-alive is asked for', async () => {
    handlers = [echo];
    const closes = await exchange(wire.port, 'GET /x HTTP/1.0\r\n\r\n');
    expect(closes.closed).toBe(true);
    expect(closes.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nGET http:\/\/127\.0\.0\.1:\d+\/x \[\]$/);

    const c = await connectRaw(wire.port);
    c.write('GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(await c.waitFor((t) => t.endsWith(']'))).toContain('Connection: keep-alive\r\n');
    c.write('GET /z HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(await c.waitFor((t) => splitResponses(t).length === 2 && t.endsWith(']'))).toContain('/z []');
    expect(c.isClosed()).toBe(false);
    c.destroy();
  });

  test('keep-alive: one connection carries several requests; Connection: close is honoured', async () => {
    handlers = [echo];
    let accepted = 0;
    const count = (): void => void (accepted += 1);
    wire.server.on('connection', count);
    const c = await connectRaw(wire.port);
    for (const n of [1, 2, 3]) {
      c.write(`BITS_POST /k${n} HTTP/1.1\r\nHost: h.test\r\nContent-Length: 1\r\n\r\n${n}`);
      await c.waitFor((t) => splitResponses(t).length === n && t.endsWith(`[${n}]`));
    }
    wire.server.off('connection', count);
    expect(accepted).toBe(1);
    c.write('GET /last HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n');
    await c.closed;
    const responses = splitResponses(c.text());
    expect(responses).toHaveLength(4);
    expect(responses[3]?.headers).toContain('Connection: close');
  });

  test('the host in the URL comes from Host; an absolute-form target is used as it is', async () => {
    handlers = [echo];
    const r = await exchange(wire.port, 'BITS_POST /p?q=1 HTTP/1.1\r\nHost: case-9.bits.test:8080\r\n\r\nBITS_POST http://other.test/abs HTTP/1.1\r\nHost: ignored.test\r\nConnection: close\r\n\r\n');
    expect(splitResponses(r.text).map((x) => x.body)).toEqual(['BITS_POST http://case-9.bits.test:8080/p?q=1 []', 'BITS_POST http://other.test/abs []']);
  });

  test('the exact bytes of a 599 response', async () => {
    handlers = [new HttpHandler(/.*/, '*', () => new HttpResponse(null, { status: 599, headers: { 'BITS-Packet-Type': 'Ack', 'Content-Length': '0' } }))];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith('\r\n\r\n') });
    expect(r.text).toBe('HTTP/1.1 599 \r\nbits-packet-type: Ack\r\ncontent-length: 0\r\n\r\n');
  });

  test.for([
    [200, 'HTTP/1.1 200 OK'],
    [204, 'HTTP/1.1 204 No Content'],
    [304, 'HTTP/1.1 304 Not Modified'],
    [307, 'HTTP/1.1 307 Temporary Redirect'], // no Location: still itself, not followed
    [403, 'HTTP/1.1 403 Forbidden'],
    [418, "HTTP/1.1 418 I'm a Teapot"],
    [425, 'HTTP/1.1 425 Too Early'],
    [499, 'HTTP/1.1 499 '],
    [599, 'HTTP/1.1 599 '],
  ] as const)('status %i has the status line %j', async ([status, line]) => {
    handlers = [new HttpHandler(/.*/, '*', () => new HttpResponse(null, { status }))];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith('\r\n\r\n') });
    expect(r.text.split('\r\n')[0]).toBe(line);
    // A body-less status gets no invented Content-Length; others get 0 for framing.
    expect(r.text.includes('Content-Length: 0')).toBe(status !== 204 && status !== 304);
  });

  test('a handler statusText is the reason phrase', async () => {
    handlers = [new HttpHandler(/.*/, '*', () => new HttpResponse('x', { status: 450, statusText: 'Blocked By Policy' }))];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith('x') });
    expect(r.text).toMatch(/^HTTP\/1\.1 450 Blocked By Policy\r\n/);
    expect(r.text).toContain('\r\nContent-Length: 1\r\n');
  });

  test.for([100, 101, 199])('a final %i is written and the connection closed, without crashing', async (status) => {
    handlers = [new HttpHandler(/.*/, '*', () => new HttpResponse(null, { status }))];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} .*\\r\\nConnection: close\\r\\n\\r\\n$`));
  });

  test("a handler's Content-Length is kept; when it does not match the body the connection closes after it", async () => {
    handlers = [new HttpHandler(/.*/, '*', () => new HttpResponse('abc', { status: 200, headers: { 'Content-Length': '10' } }))];
    const r = await exchange(wire.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-length: 10\r\n.*\r\nConnection: close\r\n\r\nabc$/s);
  });

  test('a handler that throws gives 500 and onError; the connection stays usable', async () => {
    handlers = [new HttpHandler(/^BITS_POST$/, '*', () => { throw new Error('handler exploded'); }), echo];
    const c = await connectRaw(wire.port);
    c.write('BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(await c.waitFor((t) => t.endsWith('\r\n\r\n'))).toBe('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
    expect(errors.map((e) => e.message)).toEqual(['handler exploded']);
    c.write('GET /after HTTP/1.1\r\nHost: h\r\n\r\n');
    await c.waitFor((t) => t.endsWith('/after []'));
    c.destroy();
  });

  test('no matching handler gives 404 with Content-Length: 0', async () => {
    handlers = [new HttpHandler(/^BITS_POST$/, 'http://elsewhere.test/*', () => new HttpResponse(null, { status: 200 }))];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith('\r\n\r\n') });
    expect(r.text).toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });

  test('HttpResponse.error() drops the connection without a byte', async () => {
    handlers = [new HttpHandler(/.*/, '*', () => HttpResponse.error())];
    const r = await exchange(wire.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(r).toEqual({ text: '', closed: true, timedOut: false });
    expect(log.at(-1)).toMatchObject({ status: 0, method: 'BITS_POST' });
  });

  test('GET with a body: the body is read (framing) but not passed to fetch; CONNECT is 501', async () => {
    handlers = [echo];
    const r = await exchange(wire.port, 'GET /g HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcCONNECT /x HTTP/1.1\r\nHost: h\r\n\r\nGET /h HTTP/1.1\r\nHost: h\r\n\r\n', {
      until: (t) => t.endsWith('/h []'),
    });
    expect(splitResponses(r.text).map((x) => x.statusLine)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 501 Not Implemented', 'HTTP/1.1 200 OK']);
  });

  test('HEAD is answered with its head alone, so a GET pipelined after it is framed right', async () => {
    handlers = [echo];
    const r = await exchange(wire.port, 'HEAD /h HTTP/1.1\r\nHost: h.test\r\n\r\nGET /g HTTP/1.1\r\nHost: h.test\r\n\r\n', { until: (t) => t.endsWith('/g []') });
    const headEnd = r.text.indexOf('\r\n\r\n') + 4;
    const [head, next] = [r.text.slice(0, headEnd), r.text.slice(headEnd)];
    // The head a GET would have (its length), and not one byte of body.
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nContent-Length: 23\r\n\r\n$/); // 'HEAD http://h.test/h []'
    expect(splitResponses(next).map((x) => [x.statusLine, x.body])).toEqual([['HTTP/1.1 200 OK', 'GET http://h.test/g []']]);
  });

  test('the handlers learn the connection of each request and whether its head had Content-Length', async () => {
    const seen: Array<RequestOrigin | undefined> = [];
    handlers = [new HttpHandler(/.*/, '*', ({ request }) => {
      seen.push(requestOrigin(request));
      return new HttpResponse(null, { status: 200 });
    })];
    const one = 'BITS_POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nBITS_POST /b HTTP/1.1\r\nHost: h\r\n\r\n';
    await exchange(wire.port, one, { until: (t) => splitResponses(t).length === 2 });
    await exchange(wire.port, 'BITS_POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', { until: (t) => splitResponses(t).length === 1 });
    expect(seen.map((o) => o?.contentLengthSent)).toEqual([true, false, false]);
    const [a, b, c] = seen.map((o) => o?.connection);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(typeof c).toBe('number');
  });

  test('onRequest reports method, URL, status and time', async () => {
    handlers = [echo];
    await exchange(wire.port, 'BITS_POST /logged HTTP/1.1\r\nHost: h.test\r\n\r\n', { until: (t) => t.endsWith(']') });
    expect(log).toEqual([{ method: 'BITS_POST', url: 'http://h.test/logged', status: 200, ms: expect.any(Number) }]);
  });
});

describe('malformed input: 400 with Content-Length: 0 and Connection: close, then close', () => {
  test.for([
    ['a bad request line', 'BITS POST / HTTP/1.1\r\n\r\n'],
    ['a bad method character', 'BITS(POST) / HTTP/1.1\r\n\r\n'],
    ['an unknown version', 'GET / HTTP/2.0\r\n\r\n'],
    ['a target with a space', 'GET /a b HTTP/1.1\r\n\r\n'],
    ['a header line without colon', 'GET / HTTP/1.1\r\nHost h\r\n\r\n'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n'],
    ['a bare LF in the head', 'GET / HTTP/1.1\nHost: h\r\n\r\n'],
    ['a NUL in a header value', 'GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n'],
    ['a non-numeric Content-Length', 'BITS_POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n'],
    ['a negative Content-Length', 'BITS_POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n'],
    ['two different Content-Lengths', 'BITS_POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['Content-Length and chunked together', 'BITS_POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a transfer coding other than chunked', 'BITS_POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['a bad chunk size', 'BITS_POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
    ['chunk data longer than its size', 'BITS_POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n'],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a Host that is not a host', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n'],
    ['a declared body over 16 MiB', `BITS_POST / HTTP/1.1\r\nContent-Length: ${16 * 1024 * 1024 + 1}\r\n\r\n`],
    ['a 30-digit Content-Length', 'BITS_POST / HTTP/1.1\r\nContent-Length: 999999999999999999999999999999\r\n\r\n'],
  ] as const)('%s', async ([, request]) => {
    handlers = [echo];
    const r = await exchange(wire.port, request);
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('a header block over 64 KiB', async () => {
    handlers = [echo];
    const padding = Array.from({ length: 70 }, (_, i) => `X-Pad-${i}: ${'a'.repeat(1000)}\r\n`).join('');
    const r = await exchange(wire.port, `GET / HTTP/1.1\r\nHost: h\r\n${padding}\r\n`);
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('a header block that never ends, past 64 KiB', async () => {
    const r = await exchange(wire.port, `GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(70_000)}`);
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('a trailer section over 64 KiB, even in one piece', async () => {
    handlers = [echo];
    const trailers = Array.from({ length: 70 }, (_, i) => `X-Trailer-${i}: ${'t'.repeat(1000)}\r\n`).join('');
    const r = await exchange(wire.port, `BITS_POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${trailers}\r\n`);
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('the requests before a malformed one in the same write are answered first', async () => {
    handlers = [echo];
    const r = await exchange(wire.port, 'GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGARBAGE\r\n\r\nGET /never HTTP/1.1\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(splitResponses(r.text).map((x) => x.statusLine)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
  });
});

describe('limits and timeouts (a server with small limits)', () => {
  let small: WireServer;
  beforeAll(async () => {
    small = await startWireServer({ handlers: [echo], maxBodyBytes: 1000, maxHeaderBytes: 512, idleTimeoutMs: 300, requestTimeoutMs: 1_000 });
  });
  afterAll(() => small.close());

  test('a Content-Length body over maxBodyBytes is refused before it is read', async () => {
    const r = await exchange(small.port, 'BITS_POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n');
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('a chunked body that grows over maxBodyBytes is refused', async () => {
    const chunk = `1f4\r\n${'x'.repeat(500)}\r\n`;
    const r = await exchange(small.port, `BITS_POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}${chunk}0\r\n\r\n`);
    expect(r).toEqual({ text: BAD_REQUEST, closed: true, timedOut: false });
  });

  test('a body at exactly the limit is accepted', async () => {
    const r = await exchange(small.port, `BITS_POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n${'y'.repeat(1000)}`, { until: (t) => t.endsWith(']') });
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  test('a client that sends half a request and closes leaves the server serving', async () => {
    const half = await exchange(small.port, 'BITS_POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc', { end: true });
    expect(half).toEqual({ text: '', closed: true, timedOut: false });
    const headOnly = await exchange(small.port, 'BITS_POST / HTTP/1.1\r\nHo', { end: true });
    expect(headOnly).toEqual({ text: '', closed: true, timedOut: false });
    const next = await exchange(small.port, 'GET /alive HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith(']') });
    expect(next.text).toContain('/alive []');
  });

  test('a request followed by a half-close is still answered', async () => {
    const r = await exchange(small.port, 'GET /then-fin HTTP/1.1\r\nHost: h\r\n\r\n', { end: true });
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/\/then-fin \[\]$/);
  });

  test('an idle keep-alive connection is closed after idleTimeoutMs', async () => {
    const started = Date.now();
    const r = await exchange(small.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', { timeoutMs: 3_000 });
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('a client that stops mid-request is dropped after idleTimeoutMs', async () => {
    const r = await exchange(small.port, 'BITS_POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab', { timeoutMs: 3_000 });
    expect(r).toEqual({ text: '', closed: true, timedOut: false });
  });

  test('a request dripped too slowly is dropped after requestTimeoutMs', async () => {
    const drip = Array.from('BITS_POST / HTTP/1.1\r\nHost: h\r\n\r\n');
    const started = Date.now();
    const r = await exchange(small.port, drip, { gapMs: 100, timeoutMs: 4_000 });
    expect(r).toEqual({ text: '', closed: true, timedOut: false });
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  test('a head dripped for longer than headTimeoutMs is dropped, though each byte keeps it from idling', async () => {
    const own = await startWireServer({ handlers: [echo], idleTimeoutMs: 5_000, requestTimeoutMs: 60_000, headTimeoutMs: 500 });
    try {
      const started = Date.now();
      const r = await exchange(own.port, Array.from('BITS_POST / HTTP/1.1\r\nHost: h\r\nX-Slow: 1\r\n\r\n'), { gapMs: 50, timeoutMs: 4_000 });
      expect(r).toEqual({ text: '', closed: true, timedOut: false });
      expect(Date.now() - started).toBeLessThan(1_500);
      // A body may take longer than the head may: only the head is on this clock.
      const slowBody = await exchange(own.port, ['BITS_POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n', ...Array.from('abcdefghijkl')], { gapMs: 70, until: (t) => t.endsWith(']') });
      expect(slowBody.text).toMatch(/\[abcdefghijkl\]$/);
    } finally {
      await own.close();
    }
  });

  test('its timers stay real while a case fakes the globals: a slow head is dropped on the wall clock', async () => {
    const own = await startWireServer({ handlers: [echo], idleTimeoutMs: 0, headTimeoutMs: 300 });
    const clock = VirtualClock.install({ busy: () => false, signature: () => '' });
    try {
      const raw = await connectRaw(own.port);
      raw.write('BITS_POST / HTTP/1.1\r\nHost: h\r\n');
      // Polled on vitest's own real timers; the virtual clock does not move meanwhile.
      await expect.poll(() => raw.isClosed(), { timeout: 5_000, interval: 50 }).toBe(true);
      await clock.advance(3_600_000); // and nothing of the server's waits on the virtual clock
      expect(own.connections()).toBe(0);
    } finally {
      clock.uninstall();
      await own.close();
    }
  });

  test('past maxConnections a new connection is closed at once; the open ones keep working', async () => {
    const refused: WireRequestInfo[] = [];
    const own = await startWireServer({ handlers: [echo], maxConnections: 2, onRequest: (i) => refused.push(i) });
    try {
      const open = [await connectRaw(own.port), await connectRaw(own.port)];
      await expect.poll(() => own.connections()).toBe(2);
      const extra = await exchange(own.port, 'GET /extra HTTP/1.1\r\nHost: h\r\n\r\n');
      expect(extra).toEqual({ text: '', closed: true, timedOut: false });
      expect(refused.map((i) => i.error)).toEqual(['connection refused: 2 already open']);
      open[0]!.write('GET /kept HTTP/1.1\r\nHost: h\r\n\r\n');
      await open[0]!.waitFor((t) => t.endsWith('/kept []'));
      open[1]!.destroy();
      await expect.poll(() => own.connections()).toBe(1);
      const again = await exchange(own.port, 'GET /again HTTP/1.1\r\nHost: h\r\n\r\n', { until: (t) => t.endsWith(']') });
      expect(again.text).toContain('/again []');
      open[0]!.destroy();
    } finally {
      await own.close();
    }
  });

  test('close() ends every open connection', async () => {
    const own = await startWireServer({ handlers: [echo] });
    const sockets = await Promise.all([connectRaw(own.port), connectRaw(own.port), connectRaw(own.port)]);
    sockets[0]!.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    sockets[1]!.write('BITS_POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab');
    await sockets[0]!.waitFor((t) => t.endsWith(']'));
    await expect.poll(() => own.connections()).toBe(3);
    await own.close();
    await Promise.all(sockets.map((s) => s.closed));
    expect(own.connections()).toBe(0);
  });
});
