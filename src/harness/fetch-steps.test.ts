// The in-process routes' fetch held to Node's own: every status a handler can answer, and a dropped
// connection, with each kind of body, sent once through Node's fetch over the direct route's local socket
// (undici itself, its steps and all) and once through each route's fetch. What the caller sees (the
// status, or the error with its cause) and how many times the handler got the request must be the same.
import { http as mswHttp, HttpResponse } from 'msw';
import { describe, expect, test } from 'vitest';
import { InProcessRoutes, type InProcessRoute } from './in-process.js';

// Node's fetch as it is before any route replaces it.
const nodeFetch = globalThis.fetch;
const ORIGIN = 'http://fetch-steps.bits.test';

const seen = new Map<string, number>();
const answersItsPath = mswHttp.all(`${ORIGIN}/:status/:tag`, async ({ request, params }) => {
  await request.arrayBuffer();
  const key = `${String(params.tag)}/${String(params.status)}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
  // A handler's network error: the wire reader drops the connection.
  if (params.status === 'drop') return HttpResponse.error();
  return new HttpResponse('answer', { status: Number(params.status) });
});

const stream = (): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(8));
      controller.close();
    },
  });

/** The ways a client hands fetch its request, each as the arguments of one call to `url`. */
const FORMS: Record<string, (url: string) => Parameters<typeof fetch>> = {
  'no body': (url) => [url, { method: 'BITS_POST' }],
  bytes: (url) => [url, { method: 'BITS_POST', body: new Uint8Array(8) }],
  string: (url) => [url, { method: 'BITS_POST', body: 'fragment' }],
  Blob: (url) => [url, { method: 'BITS_POST', body: new Blob(['fragment']) }],
  stream: (url) => [url, { method: 'BITS_POST', body: stream(), duplex: 'half' } as RequestInit],
  'async iterable': (url) => [url, { method: 'BITS_POST', body: (async function* () { yield new Uint8Array(8); })() as unknown as BodyInit, duplex: 'half' } as RequestInit],
  'a Request with bytes': (url) => [new Request(url, { method: 'BITS_POST', body: new Uint8Array(8) })],
  'a Request with a stream': (url) => [new Request(url, { method: 'BITS_POST', body: stream(), duplex: 'half' } as RequestInit)],
  'a Request with a stream, bytes in init': (url) => [new Request(url, { method: 'BITS_POST', body: stream(), duplex: 'half' } as RequestInit), { body: new Uint8Array(8) }],
  'a Request with bytes, a stream in init': (url) => [new Request(url, { method: 'BITS_POST', body: new Uint8Array(8) }), { body: stream(), duplex: 'half' } as RequestInit],
};

/** Every status a Response can carry, and a dropped connection; the forms beyond bytes and none only where fetch has a step. */
const CALLS = [...Array.from({ length: 400 }, (_, i) => 200 + i), 'drop' as const].flatMap((status) =>
  Object.keys(FORMS)
    .filter((form) => form === 'bytes' || form === 'no body' || status === 407 || status === 421)
    .map((form) => ({ status, form })),
);

async function outcome(send: typeof fetch, args: Parameters<typeof fetch>): Promise<string> {
  try {
    const response = await send(...args);
    return `${response.status} ${await response.text()}`;
  } catch (error) {
    const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
    return `${(error as Error).name}: ${(error as Error).message} (cause: ${cause instanceof Error ? `${cause.name} '${cause.message}'${cause.code ? ` ${cause.code}` : ''}` : String(cause)})`;
  }
}

/** What each call came to, and how many times the handler got it, sending with `send` under `tag`. */
async function outcomes(send: typeof fetch, tag: string): Promise<string[]> {
  const lines: string[] = [];
  for (const { status, form } of CALLS) {
    const key = `${tag}-${form.replace(/\W+/g, '-')}`;
    const result = await outcome(send, FORMS[form]!(`${ORIGIN}/${status}/${key}`));
    lines.push(`${status} ${form}: ${result}, sent ${seen.get(`${key}/${status}`) ?? 0} time(s)`);
  }
  return lines;
}

describe('in-process fetch answers as Node\'s fetch does', () => {
  const routes = new InProcessRoutes([answersItsPath]);
  let expected: string[];

  test('Node\'s fetch, over the local socket, as the reference: it turns 407 into an error, sends 421 again, and says a dropped connection its own way', async () => {
    await routes.ready('direct');
    const transport = routes.open('direct');
    try {
      expected = await outcomes(nodeFetch, 'node');
    } finally {
      transport.close();
    }
    // The reference is undici's, not ours: these lines are what the Fetch standard says it does.
    expect(expected.filter((line) => /^(407|421|drop) (bytes|stream):/.test(line))).toEqual([
      "407 bytes: TypeError: fetch failed (cause: Error ''), sent 1 time(s)",
      "407 stream: TypeError: fetch failed (cause: Error ''), sent 1 time(s)",
      '421 bytes: 421 answer, sent 2 time(s)',
      '421 stream: 421 answer, sent 1 time(s)',
      "drop bytes: TypeError: fetch failed (cause: SocketError 'other side closed' UND_ERR_SOCKET), sent 1 time(s)",
    ]);
  });

  test.for(['direct', 'msw'] as InProcessRoute[])('the %s route', async (route) => {
    expect(expected).toBeDefined();
    await routes.ready(route);
    const transport = routes.open(route);
    try {
      expect(await outcomes(globalThis.fetch, route)).toEqual(expected);
    } finally {
      transport.close();
    }
  });
});

test('each step that changed what the client saw is noted for the report, in the words of a transcript', async () => {
  const routes = new InProcessRoutes([answersItsPath]);
  await routes.ready('direct');
  const transport = routes.open('direct');
  try {
    await fetch(`${ORIGIN}/200/notes`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' } });
    await fetch(`${ORIGIN}/421/notes`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Fragment' }, body: new Uint8Array(8) });
    await expect(fetch(new Request(`${ORIGIN}/407/notes`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Fragment' } }))).rejects.toThrow('fetch failed');
    expect(transport.notes).toEqual([
      "the client's fetch sent BITS_POST /421/notes (Fragment) again after its 421 answer, as Node's fetch does (the Fetch standard: a 421 is retried once on a new connection when the body can be sent again)",
      "the client's fetch turned the 407 answer to BITS_POST /407/notes (Fragment) into a network error, as Node's fetch does (the Fetch standard: a 407 is a proxy's); the client could not see the status",
    ]);
  } finally {
    transport.close();
  }
});
