// An incremental HTTP/1.1 request reader (RFC 9112), just enough for the wire server. It exists
// because Node's own parser (llhttp, and with it node:http, express, http-parser-js) rejects the
// method token BITS_POST. It frames requests; what they mean is msw's business.
//
// Strict on purpose: a line ends with CRLF only, obs-fold and whitespace before a colon are errors,
// and every error is final for the connection (the caller answers 400 and closes), so a byte stream
// can never be framed two ways.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Method SP request-target SP HTTP-version. Linear: the three parts share no characters.
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
// field-value: VCHAR, obs-text, SP, HTAB (checked after trimming OWS by hand, not by a backtracking regex).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]+)[\t ]*(?:;.*)?$/s;
const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

export interface ParserLimits {
  /** Request line + header fields + the empty line (and, apart, a chunked body's trailer section). */
  maxHeaderBytes: number;
  /** Decoded body bytes, declared (Content-Length) or received (chunked). */
  maxBodyBytes: number;
}

export interface RequestHead {
  method: string;
  /** The request-target exactly as sent: origin-form (`/path?q`) or absolute-form (`http://h/p`). */
  target: string;
  version: '1.0' | '1.1';
  /** Field lines in order, names as sent, values with surrounding whitespace removed (latin1). */
  headers: Array<[string, string]>;
  /** The single Host value, if any. */
  host: string | undefined;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  expectContinue: boolean;
}

export interface ParsedRequest extends RequestHead {
  body: Uint8Array<ArrayBuffer>;
}

export type ParseStep =
  | { kind: 'need-more' }
  /** A head with `Expect: 100-continue` and a body to come: send `100 Continue` now. */
  | { kind: 'continue' }
  | { kind: 'request'; request: ParsedRequest }
  | { kind: 'error'; reason: string };

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'failed';

export class RequestParser {
  private readonly input = new ByteQueue();
  private state: State = 'head';
  private head: RequestHead | undefined;
  /** Where to resume looking for a terminator, so a slowly dripped head is scanned once. */
  private scanFrom = 0;
  /** Bytes still to read of the Content-Length body or of the current chunk. */
  private remaining = 0;
  private parts: Uint8Array[] = [];
  private received = 0;
  private failure = '';

  constructor(private readonly limits: ParserLimits) {}

  push(chunk: Uint8Array): void {
    if (this.state !== 'failed') this.input.push(chunk);
  }

  /** Bytes received and not yet turned into a request. */
  get buffered(): number {
    return this.input.length + this.received;
  }

  /** A request has started and is not complete (pending empty lines between requests don't count). */
  get inProgress(): boolean {
    if (this.state !== 'head') return this.state !== 'failed';
    const view = this.input.view();
    return view.length > 0 && !(view.length === 1 && view[0] === 13);
  }

  /** A request head has started and is not complete. */
  get readingHead(): boolean {
    return this.state === 'head' && this.inProgress;
  }

  next(): ParseStep {
    for (;;) {
      switch (this.state) {
        case 'failed':
          return { kind: 'error', reason: this.failure };
        case 'head': {
          const step = this.readHead();
          if (step) return step;
          break;
        }
        case 'length':
          if (!this.readBodyBytes()) return { kind: 'need-more' };
          return this.complete();
        case 'chunk-size': {
          const step = this.readChunkSize();
          if (step) return step;
          break;
        }
        case 'chunk-data':
          if (!this.readBodyBytes()) return { kind: 'need-more' };
          this.state = 'chunk-end';
          break;
        case 'chunk-end': {
          const view = this.input.view();
          if (view.length < 2) return { kind: 'need-more' };
          if (view[0] !== 13 || view[1] !== 10) return this.fail('chunk data not followed by CRLF');
          this.input.consume(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Trailer fields are read past and ignored: nothing here depends on them.
          const view = this.input.view();
          if (view.length < 2) return { kind: 'need-more' };
          if (view[0] === 13 && view[1] === 10) {
            this.input.consume(2);
            return this.complete();
          }
          const end = view.indexOf(CRLFCRLF, this.scanFrom);
          if (end < 0) {
            if (view.length > this.limits.maxHeaderBytes) return this.fail('trailer section too large');
            this.scanFrom = Math.max(0, view.length - 3);
            return { kind: 'need-more' };
          }
          // The same cap as the head, whether the section arrived in pieces or in one.
          if (end + 4 > this.limits.maxHeaderBytes) return this.fail('trailer section too large');
          this.input.consume(end + 4);
          this.scanFrom = 0;
          return this.complete();
        }
      }
    }
  }

  /** undefined: the head was read and the state moved on; keep going. */
  private readHead(): ParseStep | undefined {
    if (this.scanFrom === 0) {
      // RFC 9112 2.2: ignore empty lines before a request line (some clients send CRLF after a body).
      let view = this.input.view();
      while (view.length >= 2 && view[0] === 13 && view[1] === 10) {
        this.input.consume(2);
        view = this.input.view();
      }
    }
    const view = this.input.view();
    const end = view.indexOf(CRLFCRLF, this.scanFrom);
    if (end < 0) {
      if (view.length > this.limits.maxHeaderBytes) return this.fail('header block too large');
      this.scanFrom = Math.max(0, view.length - 3);
      return { kind: 'need-more' };
    }
    if (end + 4 > this.limits.maxHeaderBytes) return this.fail('header block too large');
    const text = view.toString('latin1', 0, end);
    this.input.consume(end + 4);
    this.scanFrom = 0;

    const parsed = parseHead(text, this.limits.maxBodyBytes);
    if (typeof parsed === 'string') return this.fail(parsed);
    this.head = parsed.head;
    if (parsed.chunked) this.state = 'chunk-size';
    else if (parsed.length > 0) {
      this.state = 'length';
      this.remaining = parsed.length;
    } else return this.complete();
    // Only HTTP/1.1 clients wait for 100 Continue (RFC 9110 10.1.1).
    if (parsed.head.expectContinue && parsed.head.version === '1.1') return { kind: 'continue' };
    return undefined;
  }

  private readChunkSize(): ParseStep | undefined {
    const view = this.input.view();
    const end = view.indexOf(CRLF, this.scanFrom);
    if (end < 0) {
      if (view.length > this.limits.maxHeaderBytes) return this.fail('chunk size line too long');
      this.scanFrom = Math.max(0, view.length - 1);
      return { kind: 'need-more' };
    }
    const line = view.toString('latin1', 0, end);
    this.input.consume(end + 2);
    this.scanFrom = 0;
    const m = CHUNK_SIZE.exec(line);
    // Chunk extensions are ignored, but they must not smuggle a bare CR or LF.
    if (!m || /[\r\n]/.test(line)) return this.fail('bad chunk size line');
    const hex = m[1]!.replace(/^0+(?=.)/, '');
    const size = hex.length > 12 ? Infinity : parseInt(hex, 16);
    if (size === 0) {
      this.state = 'trailers';
      return undefined;
    }
    if (this.received + size > this.limits.maxBodyBytes) return this.fail('body too large');
    this.remaining = size;
    this.state = 'chunk-data';
    return undefined;
  }

  /** Copies body bytes out of the input; true once `remaining` is 0. */
  private readBodyBytes(): boolean {
    const view = this.input.view();
    const take = Math.min(this.remaining, view.length);
    if (take > 0) {
      // A copy: the input queue reuses its memory.
      this.parts.push(new Uint8Array(view.subarray(0, take)));
      this.received += take;
      this.remaining -= take;
      this.input.consume(take);
    }
    return this.remaining === 0;
  }

  private complete(): ParseStep {
    const body = new Uint8Array(this.received);
    let at = 0;
    for (const part of this.parts) {
      body.set(part, at);
      at += part.byteLength;
    }
    const head = this.head!;
    this.parts = [];
    this.received = 0;
    this.head = undefined;
    this.state = 'head';
    return { kind: 'request', request: { ...head, body } };
  }

  private fail(reason: string): ParseStep {
    this.state = 'failed';
    this.failure = reason;
    this.parts = [];
    this.received = 0;
    this.input.clear();
    return { kind: 'error', reason };
  }
}

interface HeadFraming {
  head: RequestHead;
  chunked: boolean;
  length: number;
}

/** What the header lines say about framing, besides the headers themselves. */
interface HeaderFacts {
  headers: Array<[string, string]>;
  lengths: Set<string>;
  hasLength: boolean;
  codings: string[];
  connection: string[];
  hosts: string[];
  expectContinue: boolean;
}

/** Notes one header that bears on framing; a string is the reason it is malformed. */
function noteHeader(facts: HeaderFacts, name: string, value: string): string | undefined {
  switch (name.toLowerCase()) {
    case 'content-length':
      facts.hasLength = true;
      // "5, 5" is one length sent twice (RFC 9110 8.6); anything else must be a plain number.
      for (const item of value.split(',')) {
        const digits = trimOws(item);
        if (!/^\d+$/.test(digits)) return 'invalid Content-Length';
        facts.lengths.add(digits.replace(/^0+(?=\d)/, ''));
      }
      return undefined;
    case 'transfer-encoding':
      facts.codings.push(...listTokens(value));
      return undefined;
    case 'connection':
      facts.connection.push(...listTokens(value));
      return undefined;
    case 'host':
      facts.hosts.push(value);
      return undefined;
    case 'expect':
      if (value.toLowerCase() === '100-continue') facts.expectContinue = true;
      return undefined;
    default:
      return undefined;
  }
}

function readHeaderLines(lines: string[]): HeaderFacts | string {
  const facts: HeaderFacts = { headers: [], lengths: new Set(), hasLength: false, codings: [], connection: [], hosts: [], expectContinue: false };
  for (const line of lines) {
    const colon = line.indexOf(':');
    // A bare CR or LF inside the head; obs-fold (a line starting with whitespace) fails the token test.
    if (colon <= 0 || /[\r\n]/.test(line)) return 'bad header line';
    const name = line.slice(0, colon);
    const value = trimOws(line.slice(colon + 1));
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) return 'bad header line';
    facts.headers.push([name, value]);
    const problem = noteHeader(facts, name, value);
    if (problem) return problem;
  }
  return facts;
}

/** Parses the head (without its final CRLFCRLF); a string is the reason it is malformed. */
export function parseHead(text: string, maxBodyBytes: number): HeadFraming | string {
  const lines = text.split('\r\n');
  const requestLine = REQUEST_LINE.exec(lines[0] ?? '');
  if (!requestLine) return 'bad request line';
  const [, method, target, minor] = requestLine as unknown as [string, string, string, string];
  const version = minor === '0' ? '1.0' : '1.1';
  const facts = readHeaderLines(lines.slice(1));
  if (typeof facts === 'string') return facts;
  const { headers, lengths, hasLength, codings, connection, hosts, expectContinue } = facts;
  if (lengths.size > 1) return 'conflicting Content-Length values';
  if (hasLength && codings.length > 0) return 'both Content-Length and Transfer-Encoding';
  // We only undo chunked; any other coding would hand the handlers bytes they can't read.
  if (codings.length > 0 && (codings.length !== 1 || codings[0] !== 'chunked')) return 'unsupported Transfer-Encoding';
  if (hosts.length > 1) return 'more than one Host';

  const declared = [...lengths][0] ?? '0';
  const length = declared.length > 15 ? Infinity : Number(declared);
  if (length > maxBodyBytes) return 'body too large';
  const chunked = codings.length > 0;
  const close = connection.includes('close');
  // HTTP/1.0 framing with chunked is unreliable: answer it, then close (RFC 9112 6.1).
  const keepAlive = version === '1.1' ? !close : connection.includes('keep-alive') && !close && !chunked;
  return {
    head: { method, target, version, headers, host: hosts[0], keepAlive, expectContinue },
    chunked,
    length: chunked ? 0 : length,
  };
}

function listTokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => trimOws(t).toLowerCase())
    .filter((t) => t.length > 0);
}

/** Trims SP and HTAB only: String.prototype.trim would also eat 0xA0, which is obs-text here. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 32 || s.charCodeAt(start) === 9)) start += 1;
  while (end > start && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end -= 1;
  return s.slice(start, end);
}

/**
 * Unparsed input. Appends copy into one growing buffer (doubling), so a head dripped byte by byte
 * costs linear time, not the quadratic cost of concatenating on every chunk.
 */
class ByteQueue {
  private buf = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    const need = this.length + chunk.byteLength;
    if (this.end + chunk.byteLength > this.buf.length) {
      if (need <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 16 * 1024));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.end = this.length;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.byteLength;
  }

  /** The pending bytes; valid until the next push. */
  view(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.clear(false);
  }

  /** Empties the queue; a buffer grown by a burst is released rather than kept per connection. */
  clear(release = true): void {
    this.start = 0;
    this.end = 0;
    if (release || this.buf.length > 256 * 1024) this.buf = Buffer.alloc(0);
  }
}
