// The request reader alone: framing decisions, byte-at-a-time input, limits at their exact edges.
import { describe, expect, test } from 'vitest';
import { RequestParser, type ParseStep, type ParserLimits } from './parser.js';

const LIMITS: ParserLimits = { maxHeaderBytes: 1024, maxBodyBytes: 100 };

/** Feeds `input` in pieces of `piece` bytes and collects every step but need-more. */
function parse(input: string, piece = Infinity, limits = LIMITS): ParseStep[] {
  const parser = new RequestParser(limits);
  const bytes = Buffer.from(input, 'latin1');
  const steps: ParseStep[] = [];
  for (let at = 0; at < bytes.length; at += Math.min(piece, bytes.length)) {
    parser.push(bytes.subarray(at, Math.min(at + piece, bytes.length)));
    for (let step = parser.next(); step.kind !== 'need-more'; step = parser.next()) {
      steps.push(step);
      if (step.kind === 'error') return steps;
    }
  }
  return steps;
}

const summary = (steps: ParseStep[]) =>
  steps.map((s) => (s.kind === 'request' ? `${s.request.method} ${s.request.target} ${Buffer.from(s.request.body).toString('latin1')}` : s.kind === 'error' ? `error: ${s.reason}` : s.kind));

const PIPELINE =
  '\r\nBITS_POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc' +
  'BITS_POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n2;x=y\r\nde\r\n1\r\nf\r\n0\r\nT: 1\r\n\r\n' +
  'GET /c HTTP/1.0\r\n\r\n';

describe('RequestParser', () => {
  test.for([1, 2, 3, 7, 1000])('the same requests whatever the pieces (%i bytes at a time)', (piece) => {
    expect(summary(parse(PIPELINE, piece))).toEqual(['BITS_POST /a abc', 'continue', 'BITS_POST /b def', 'GET /c ']);
  });

  test('head fields: names as sent, values trimmed of SP/HTAB only, keep-alive and Host', () => {
    const [step] = parse('BITS_POST /x HTTP/1.1\r\nHost:  h:1 \r\nX-A:\t\xa0v\xa0 \r\n\r\n');
    expect(step).toMatchObject({
      kind: 'request',
      request: { method: 'BITS_POST', target: '/x', version: '1.1', host: 'h:1', keepAlive: true, headers: [['Host', 'h:1'], ['X-A', '\xa0v\xa0']] },
    });
  });

  test.for([
    ['GET / HTTP/1.1\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nConnection: Close\r\n\r\n', false],
    ['GET / HTTP/1.0\r\n\r\n', false],
    ['GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', true],
    ['BITS_POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', false],
  ] as const)('keep-alive of %j is %s', ([input, keepAlive]) => {
    const [step] = parse(input);
    expect(step?.kind === 'request' && step.request.keepAlive).toBe(keepAlive);
  });

  test('one Content-Length repeated ("5, 5", leading zeros) is one length', () => {
    expect(summary(parse('P / HTTP/1.1\r\nContent-Length: 5, 005\r\nContent-Length: 5\r\n\r\nhello'))).toEqual(['P / hello']);
  });

  test('100-continue only for HTTP/1.1 requests with a body to come', () => {
    expect(summary(parse('P / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n'))).toEqual(['P / ']);
    expect(summary(parse('P / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx'))).toEqual(['P / x']);
  });

  test('the header limit counts the whole head including the empty line, exactly', () => {
    const head = (size: number) => {
      const start = 'GET / HTTP/1.1\r\nX: ';
      return `${start}${'a'.repeat(size - start.length - 4)}\r\n\r\n`;
    };
    expect(summary(parse(head(1024)))).toEqual(['GET / ']);
    expect(summary(parse(head(1025)))).toEqual(['error: header block too large']);
    // Dripped: fails as soon as more than the limit is buffered without an end of head.
    expect(summary(parse(head(5000), 100))).toEqual(['error: header block too large']);
  });

  test('the body limit, declared and chunked, exactly', () => {
    expect(summary(parse(`P / HTTP/1.1\r\nContent-Length: 100\r\n\r\n${'b'.repeat(100)}`))).toHaveLength(1);
    expect(summary(parse('P / HTTP/1.1\r\nContent-Length: 101\r\n\r\n'))).toEqual(['error: body too large']);
    const chunked = (n: number) => `P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n${'c'.repeat(50)}\r\n${n.toString(16)}\r\n${'d'.repeat(n)}\r\n0\r\n\r\n`;
    expect(summary(parse(chunked(50)))).toHaveLength(1);
    expect(summary(parse(chunked(51)))).toEqual(['error: body too large']);
    expect(summary(parse('P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n'))).toEqual(['error: body too large']);
  });

  test.for([
    ['GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', 'bad header line'],
    ['GET / HTTP/1.1\r\n: empty name\r\n\r\n', 'bad header line'],
    ['GET\t/ HTTP/1.1\r\n\r\n', 'bad request line'],
    ['GET / HTTP/1.1 \r\n\r\n', 'bad request line'],
    ['P / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n', 'invalid Content-Length'],
    ['P / HTTP/1.1\r\nContent-Length: +1\r\n\r\n', 'invalid Content-Length'],
    ['P / HTTP/1.1\r\nContent-Length: \r\n\r\n', 'invalid Content-Length'],
    ['P / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 'unsupported Transfer-Encoding'],
    ['P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 'bad chunk size line'],
    ['P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\rb\r\nx\r\n0\r\n\r\n', 'bad chunk size line'],
    ['P / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy0\r\n\r\n', 'chunk data not followed by CRLF'],
  ] as const)('%j is an error: %s', ([input, reason]) => {
    expect(summary(parse(input))).toEqual([`error: ${reason}`]);
  });

  test('an error is final: later input is ignored', () => {
    const parser = new RequestParser(LIMITS);
    parser.push(Buffer.from('BAD\r\n\r\n'));
    expect(parser.next().kind).toBe('error');
    parser.push(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(parser.next().kind).toBe('error');
    expect(parser.buffered).toBe(0);
  });

  test('inProgress: false between requests (blank lines included), true inside one', () => {
    const parser = new RequestParser(LIMITS);
    expect(parser.inProgress).toBe(false);
    parser.push(Buffer.from('\r\n\r'));
    expect(parser.next().kind).toBe('need-more');
    expect(parser.inProgress).toBe(false);
    parser.push(Buffer.from('\nG'));
    expect(parser.next().kind).toBe('need-more');
    expect(parser.inProgress).toBe(true);
  });
});
