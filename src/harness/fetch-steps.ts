// What Node's fetch does with an answer before its caller sees it, done for the in-process routes, which
// answer a fetch from the handlers without going through it. Node's fetch (undici) follows the Fetch
// standard's "HTTP-network-or-cache fetch", and two of its steps change what a BITS client sees:
// - 407: the answer becomes a network error ("fetch failed"); the caller never learns the status.
// - 421: the request is sent once more on a new connection, if its body can be sent again (no body, or
//   one made from bytes, a string or a Blob; not a stream), and the second answer is the caller's.
// Over a network every fetch client meets them, so a fetch client must meet them in-process too: without
// them a relayed 407 or 421 passed in-process and failed over TCP. Every other status reaches the caller
// as it is (redirects too: a relayed 3xx has no Location). Held to Node's own fetch over the local socket
// by fetch-steps.test.ts, status by status.

/** A fetch with the two steps of the Fetch standard that it skips (its answers come from the handlers). */
export function withFetchStandardSteps(send: typeof fetch): typeof fetch {
  return async (input, init) => {
    const again = sendAgain(input, init);
    let response = await send(input, init);
    // The answer left behind is dropped unread (undici closes its connection). Not cancelled: cancelling
    // the body of msw's intercepted answer never settles.
    if (response.status === 421 && again) response = await send(...again());
    if (response.status === 407) {
      // As undici says it: a TypeError whose cause is an Error with no message.
      throw new TypeError('fetch failed', { cause: new Error() });
    }
    return response;
  };
}

type FetchArgs = Parameters<typeof fetch>;

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
