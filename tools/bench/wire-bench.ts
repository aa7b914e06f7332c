// Round trips per second through the wire server, one request at a time:
//   npx tsx src/wire/bench.ts [seconds per client]
// A keep-alive node:http client (POST) and Node's fetch (BITS_POST), both against trivial msw handlers.
// Two reference lines calibrate for the machine's load: msw's getResponse() alone (no I/O), and Node's
// own http server (no msw) with the same keep-alive client.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpHandler, HttpResponse, getResponse, type RequestHandler } from 'msw';
import { startWireServer } from '../../src/wire/index.js';

const seconds = Number(process.argv[2] ?? 3);
let handlers: RequestHandler[] = [];
const wire = await startWireServer({ handlers: () => handlers });
handlers = [
  new HttpHandler(/^POST$/, `${wire.url}/bench`, () => new HttpResponse('ok', { status: 200 })),
  new HttpHandler(/^BITS_POST$/, `${wire.url}/bench`, async ({ request }) => {
    await request.arrayBuffer();
    return new HttpResponse(null, { status: 200, headers: { 'BITS-Packet-Type': 'Ack', 'Content-Length': '0' } });
  }),
];

async function measure(name: string, once: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 200; i += 1) await once(); // warm-up (JIT, connection)
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    await once();
    n += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(`${name}: ${Math.round(n / elapsed)}/s (${n} in ${elapsed.toFixed(1)} s)`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = Buffer.alloc(64, 1);
const nodePost = (origin: string) => (): Promise<void> =>
  new Promise((resolve, reject) => {
    const req = http.request(`${origin}/bench`, { method: 'POST', agent, headers: { 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

const fetchBits = (withBody: boolean) => async (): Promise<void> => {
  const res = await fetch(`${wire.url}/bench`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': withBody ? 'Fragment' : 'Ping' }, ...(withBody ? { body } : {}) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
};

const plain = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
const plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;

await measure('reference: getResponse() alone, POST + 64-byte body', async () => {
  const res = await getResponse(handlers, new Request(`${wire.url}/bench`, { method: 'POST', body }));
  await res?.arrayBuffer();
});
await measure("reference: Node's http server (no msw), keep-alive node:http POST", nodePost(plainOrigin));
await measure('wire: keep-alive node:http POST + 64-byte body', nodePost(wire.url));
await measure('wire: fetch BITS_POST without body (Ping)', fetchBits(false));
await measure('wire: fetch BITS_POST + 64-byte body (Fragment; undici closes the connection each time)', fetchBits(true));
agent.destroy();
plain.close();
await wire.close();
