// What Node's fetch does with an answer before its caller sees it, done for the in-process routes, which
// answer a fetch from the handlers without going through it. A fetch client meets these over any
// network, so it must meet them in-process too; without them it passed cases in-process that it fails
// over TCP, or failed cases it passes there. Held to Node's own fetch over the local socket by
// fetch-steps.test.ts, status by status and for a dropped connection.
// - The Fetch standard's "HTTP-network-or-cache fetch", which undici follows: a 407 becomes a network
//   error (the caller never learns the status); a 421 is sent once more on a new connection if its body
//   can be sent again (no body, or one made from bytes, a string or a Blob; not a stream), and the
//   second answer is the caller's. Every other status reaches the caller as it is (redirects too: a
//   relayed 3xx has no Location).
// - A dropped connection: Node's fetch rejects with TypeError 'fetch failed' whose cause is undici's
//   SocketError (code UND_ERR_SOCKET). msw, and the direct route on its getResponse, say it as a browser
//   does ('Failed to fetch', the Response.error() as its cause); a client that tells a network error by
//   Node's message or code must see Node's.

type FetchArgs = Parameters<typeof fetch>;

/**
 * A fetch whose answers come from the handlers, made to answer as Node's fetch does. `note` hears of each
 * step that changed what the client saw, in a sentence for the report: a client on fetch fails a relayed
 * 407 or 421 for its fetch's sake, and its vendor must be able to see that in the failing case.
 */
export function asNodeFetch(send: typeof fetch, note: (what: string) => void = () => {}): typeof fetch {
  // One async function, not a chain of them: each layer costs every request a promise or two.
  return async (input, init) => {
    const again = sendAgain(input, init);
    let response: Response;
    try {
      response = await send(input, init);
      // The answer left behind is dropped unread (undici closes its connection). Not cancelled: cancelling
      // the body of msw's intercepted answer never settles.
      if (response.status === 421 && again) {
        note(`the client's fetch sent ${describe(input, init)} again after its 421 answer, as Node's fetch does (the Fetch standard: a 421 is retried once on a new connection when the body can be sent again)`);
        response = await send(...again());
      }
    } catch (error) {
      throw isDroppedConnection(error) ? new TypeError('fetch failed', { cause: socketClosed() }) : error;
    }
    if (response.status === 407) {
      note(`the client's fetch turned the 407 answer to ${describe(input, init)} into a network error, as Node's fetch does (the Fetch standard: a 407 is a proxy's); the client could not see the status`);
      // As undici says it: a TypeError whose cause is an Error with no message.
      throw new TypeError('fetch failed', { cause: new Error() });
    }
    return response;
  };
}

/** `BITS_POST /upload/case.bin (Fragment)`: the request in the words of a transcript. */
function describe(input: FetchArgs[0], init: FetchArgs[1]): string {
  const request = input instanceof Request ? input : undefined;
  const method = init?.method ?? request?.method ?? 'GET';
  const url = new URL(request?.url ?? String(input));
  const packet = new Headers(init?.headers ?? request?.headers).get('BITS-Packet-Type');
  return `${method} ${url.pathname}${packet ? ` (${packet})` : ''}`;
}

/** The browser's network error, as msw throws it for a handler's Response.error(). */
function isDroppedConnection(error: unknown): boolean {
  return error instanceof TypeError && error.cause instanceof Response && error.cause.type === 'error';
}

/** undici's SocketError for a connection the server closed, as Node's fetch gives it (its class is not exported). */
function socketClosed(): Error {
  return Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' });
}

/** How to send the request a second time, or undefined when its body cannot be sent again (a stream). */
function sendAgain(input: FetchArgs[0], init: FetchArgs[1]): (() => FetchArgs) | undefined {
  if (init?.body != null) return isStream(init.body) ? undefined : () => [input, init];
  if (!(input instanceof Request) || input.body === null) return () => [input, init];
  // A Request with a body of its own: sending it uses the body up, so a copy is kept for the second time.
  if (!requestBodyCanBeSentAgain(input)) return undefined;
  const copy = input.clone();
  return () => [copy, init];
}

function isStream(body: BodyInit): boolean {
  return body instanceof ReadableStream || (typeof body === 'object' && Symbol.asyncIterator in body);
}

/**
 * Whether a Request's own body was made from something that can be sent again. Only undici knows (its
 * body's `source`, kept in the Request's internal state under a symbol); where that state cannot be
 * read, a body is taken to be bytes, by far the usual case.
 */
function requestBodyCanBeSentAgain(request: Request): boolean {
  const state = Object.getOwnPropertySymbols(request).find((s) => s.description === 'state');
  const body = state === undefined ? undefined : (request as unknown as Record<symbol, { body?: { source?: unknown } | null }>)[state]?.body;
  return body === undefined || body === null || body.source !== null;
}
