// The inputs the wire server is fuzzed with: valid BITS and HTTP/1.1 requests mutated (truncated,
// duplicated, flipped, CR/LF inserted, huge numbers, floods of headers), random bytes and printable noise,
// each split into writes at random points. Shared by the bounded property test (npm test) and the long
// run (npm run fuzz), so both throw the same kinds of input.
import fc from 'fast-check';
import type { Exchange } from '../../src/wire/test-support.js';

export const TEMPLATES = [
  'BITS_POST /upload/a.bin HTTP/1.1\r\nHost: case.bits.test\r\nBITS-Packet-Type: Fragment\r\nContent-Range: bytes 0-9/10\r\nContent-Length: 10\r\n\r\n0123456789',
  'BITS_POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nTrailer: x\r\n\r\n',
  'BITS_POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nxyz',
  'GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  'BITS_POST /p1 HTTP/1.1\r\nHost: h\r\nX-Status: 599\r\nContent-Length: 1\r\n\r\n1BITS_POST /p2 HTTP/1.1\r\nHost: h\r\nX-Fail: 1\r\n\r\nGET /p3 HTTP/1.1\r\nX-Status: 304\r\n\r\n',
  'BITS_POST http://absolute.test/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
];

const HUGE = [
  ['Content-Length: \\d+', 'Content-Length: 99999999999999999999999999999999'],
  ['Content-Length: \\d+', 'Content-Length: 1048577'],
  ['Content-Length: \\d+', 'Content-Length: 1048576'],
  ['Content-Length: \\d+', 'Content-Length: 1e3'],
  ['Content-Length: \\d+', 'Content-Length: 10\r\nContent-Length: 11'],
  ['\\r\\n4;ext=1', '\r\nfffffffffffffffffff'],
  ['\\r\\n4;ext=1', '\r\n100000'],
  ['\\r\\n\\r\\n', `\r\nX-Flood: ${'z'.repeat(70_000)}\r\n\r\n`],
  ['\\r\\n\\r\\n', `\r\n${'X-Many: 1\r\n'.repeat(7_000)}\r\n`],
  ['X-Status: \\d+', 'X-Status: 100'],
] as const;

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'huge'; which: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('\r', '\n', '\r\n', '\r\n\r\n', ' ', '\t', ':', '\0', '\x7f', '\xff', ';', '0\r\n\r\n') }),
  fc.record({ kind: fc.constant('huge' as const), which: fc.nat({ max: HUGE.length - 1 }) }),
);

function mutate(input: string, m: Mutation): string {
  const at = input.length === 0 ? 0 : m.kind === 'huge' ? 0 : m.at % (input.length + 1);
  switch (m.kind) {
    case 'truncate':
      return input.slice(0, at);
    case 'duplicate':
      return input.slice(0, at + m.length) + input.slice(at);
    case 'flip':
      return at >= input.length ? input : input.slice(0, at) + String.fromCharCode(input.charCodeAt(at) ^ m.mask) + input.slice(at + 1);
    case 'insert':
      return input.slice(0, at) + m.text + input.slice(at);
    case 'huge': {
      const [pattern, replacement] = HUGE[m.which]!;
      return input.replace(new RegExp(pattern), replacement);
    }
  }
}

export const mutated = fc.tuple(fc.constantFrom(...TEMPLATES), fc.array(mutation, { minLength: 0, maxLength: 3 })).map(([t, ms]) => Buffer.from(ms.reduce(mutate, t), 'latin1'));
export const randomBytes = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b));
export const printable = fc.string({ unit: fc.constantFrom(...'BITS_POST /HTTP1.\r\n:0123456789abcdef;- \t'.split('')), maxLength: 300 }).map((s) => Buffer.from(s, 'latin1'));

/** One connection: the bytes, split into writes at some points, maybe followed by a half-close. */
export const connection = fc.record({
  bytes: fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: randomBytes }, { weight: 1, arbitrary: printable }),
  splits: fc.array(fc.nat(), { maxLength: 3 }),
  end: fc.boolean(),
});

export function splitAt(bytes: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => (bytes.length === 0 ? 0 : p % bytes.length)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut > from) parts.push(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  parts.push(bytes.subarray(from));
  return parts.filter((p) => p.length > 0);
}

/** Whatever the server wrote must be a sequence of well-formed status lines and heads. */
export function wellFormed(r: Exchange): boolean {
  if (r.text === '') return true;
  return /^HTTP\/1\.1 [1-5]\d\d /.test(r.text);
}

/** Either the server closed, or it sent at least one complete response head and keeps the connection. */
export function answeredOrClosed(r: Exchange): boolean {
  return r.closed || /^HTTP\/1\.1 [2-5]\d\d [^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/m.test(r.text);
}

