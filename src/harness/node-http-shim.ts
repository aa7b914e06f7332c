// msw 2 intercepts node:http requests (axios, got, http.request) by re-parsing what the client writes
// with Node's own HTTP parser, which rejects any method outside http.METHODS: a BITS_POST request then
// hangs, the parse error swallowed. The interceptor takes the method from the request's options, not
// from the parser, so it is enough for the parser to see a known method: rewrite an unknown method
// token at the start of a request line to POST, only for that parse. Handlers still see BITS_POST.
import { METHODS } from 'node:http';
import { createRequire } from 'node:module';

interface ParserClass {
  prototype: { execute(this: unknown, chunk: Buffer): unknown };
}

const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserClass };
const KNOWN = new Set(METHODS);
/** `TOKEN SP request-target SP HTTP/1.x`: the first line of a request, with a method token. */
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) [^ \r\n]+ HTTP\/1\.[01]\r\n/;
const PATCHED = Symbol.for('bits-conformance.node-http-shim');

/** Rewrites the method of a request line Node's parser would reject; other bytes pass untouched. */
export function parsableRequest(chunk: Buffer): Buffer {
  const head = chunk.subarray(0, 512).toString('latin1');
  const m = REQUEST_LINE.exec(head);
  if (!m || KNOWN.has(m[1]!)) return chunk;
  return Buffer.concat([Buffer.from('POST', 'latin1'), chunk.subarray(m[1]!.length)]);
}

export function installNodeHttpShim(): void {
  const proto = HTTPParser.prototype as { execute(this: unknown, chunk: Buffer): unknown; [PATCHED]?: true };
  if (proto[PATCHED]) return;
  const execute = proto.execute;
  proto.execute = function (this: unknown, chunk: Buffer) {
    return execute.call(this, Buffer.isBuffer(chunk) ? parsableRequest(chunk) : chunk);
  };
  proto[PATCHED] = true;
}
