import http from 'node:http';
import { HttpHandler, HttpResponse } from 'msw';
import { expect, test, vi } from 'vitest';
import { statusMatrixCases } from './cases.js';
import { openCaseTransport } from './in-process.js';
import { judge } from './judge/index.js';
import reference from './reference-client.js';
import { runCase } from './run-case.js';

test('an exception inside a BITS handler is recorded as a harness error, not a client failure', async () => {
  const broken = new HttpHandler(/^BITS_POST$/, 'http://throwing.bits.test/*', () => {
    throw new Error('handler bug');
  });
  const transport = openCaseTransport([broken]);
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => {}); // msw prints the exception too
  try {
    const response = await fetch('http://throwing.bits.test/x', { method: 'BITS_POST' });
    expect(response.status).toBe(500); // msw turns it into a 500 ...
    expect(transport.handlerErrors).toEqual(['BITS server handler threw: handler bug']); // ... and we see it
  } finally {
    quiet.mockRestore();
    transport.close();
  }
});

test('requests to no case fail as network errors and are counted while in flight', async () => {
  const transport = openCaseTransport([]);
  try {
    const pending = fetch('http://nobody.bits.test/x', { method: 'BITS_POST' });
    expect(transport.inFlight()).toBe(1);
    await expect(pending).rejects.toThrow(TypeError);
    expect(transport.inFlight()).toBe(0);
  } finally {
    transport.close();
  }
});

test('a relayed 3xx reaches the client as itself, not as a followed redirect', async () => {
  const [c] = statusMatrixCases({ from: 307, to: 307, relays: ['mirror'], jobTypes: ['upload'] });
  const observation = await runCase(c!, reference);
  expect(observation.ledger.filter((e) => e.packetType !== 'unknown').map((e) => e.response?.status)).toContain(307);
  expect(judge(c!, observation).verdict).toBe('pass');
});

test('node:http requests on a keep-alive agent are served by the handlers and counted until answered', async () => {
  const answered = new HttpHandler(/^BITS_POST$/, 'http://keep-alive.bits.test/*', () => new HttpResponse(null, { status: 200, headers: { 'BITS-Packet-Type': 'Ack' } }));
  const transport = openCaseTransport([answered]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const outgoing = http.request('http://keep-alive.bits.test/x', { method: 'BITS_POST', agent, headers: { 'Content-Length': '0' } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  try {
    const pending = [send(), send(), send()];
    expect(transport.inFlight()).toBe(3);
    expect(await Promise.all(pending)).toEqual([200, 200, 200]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.inFlight()).toBe(0);
  } finally {
    agent.destroy();
    transport.close();
  }
});
