// What a transport knows about a request that a Fetch Request cannot carry: the TCP connection it came
// on and whether its head had a Content-Length field. The TCP transport notes it beside the Request
// before the handlers run; in-process nothing is noted, and the handlers treat it as unknown.
// A WeakMap, so the facts live exactly as long as the Request does.

export interface RequestOrigin {
  /** The transport's number for the connection, unique for the life of one server. */
  connection: number;
  /** Whether the request head carried Content-Length (EMPTY-PACKET-LENGTH). */
  contentLengthSent: boolean;
}

const origins = new WeakMap<Request, RequestOrigin>();

/** For a transport: what it knows of this request, before handing it to the handlers. */
export function noteRequestOrigin(request: Request, origin: RequestOrigin): void {
  origins.set(request, { ...origin });
}

/** What the transport noted about this request; undefined in-process. */
export function requestOrigin(request: Request): RequestOrigin | undefined {
  return origins.get(request);
}
