import http, { request as importedRequest } from 'node:http';
import net, { connect as importedConnect } from 'node:net';
import { HttpHandler, HttpResponse } from 'msw';
import { describe, expect, test, vi } from 'vitest';
import { BitsServerPool, ScriptedApplication } from '../server/index.js';
import { statusMatrixCases } from './cases.js';
import { InProcessRoutes, type InProcessRoute } from './in-process.js';
import { InProcessEnvironment } from './environment.js';
import { judge } from './judge/index.js';
import reference from './reference-client.js';
import { runCase } from './run-case.js';

const ROUTES: InProcessRoute[] = ['direct', 'msw'];

/** One worker's routes over a pool holding one server under `origin`, and a handler that throws under /broken. */
async function routesFor(origin: string) {
  const pool = new BitsServerPool();
  const server = pool.open({ origin, application: new ScriptedApplication([200]), relay: 'mirror', now: () => 0 });
  const broken = new HttpHandler(/^BITS_POST$/, `${origin}-broken/*`, () => {
    throw new Error('handler bug');
  });
  const routes = new InProcessRoutes([broken, ...pool.handlers]);
  return { routes, server };
}

function httpPost(url: string, agent: http.Agent | undefined, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: 'BITS_POST', ...(agent ? { agent } : {}), headers: { 'Content-Length': '0', ...headers } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe.each(ROUTES)('the %s route', (route) => {
  test('fetch and node:http requests reach the same handlers, and the ledger sees each', async () => {
    const origin = `http://both-${route}.bits.test`;
    const { routes, server } = await routesFor(origin);
    await routes.ready(route);
    const transport = routes.open(route);
    try {
      const viaFetch = await fetch(`${origin}/upload/x.bin`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' } });
      const viaHttp = await httpPost(`${origin}/upload/x.bin`, undefined, { 'BITS-Packet-Type': 'Ping' });
      expect([viaFetch.status, viaFetch.headers.get('BITS-Packet-Type'), viaHttp.status, viaHttp.headers['bits-packet-type']]).toEqual([200, 'Ack', 200, 'Ack']);
      // As fetch answers: the response names the URL it came from, and is not a redirect.
      expect([viaFetch.url, viaFetch.redirected, viaFetch.ok]).toEqual([`${origin}/upload/x.bin`, false, true]);
      expect(server.ledger.entries.map((e) => [e.packetType, e.method])).toEqual([
        ['Ping', 'BITS_POST'],
        ['Ping', 'BITS_POST'],
      ]);
      // In-process nothing is known of connections or Content-Length, whichever way a request came.
      expect(server.ledger.entries.filter((e) => 'connection' in e || 'contentLengthSent' in e)).toEqual([]);
    } finally {
      transport.close();
      server.close();
    }
  });

  test('an exception inside a BITS handler is answered 500 and kept as a harness error', async () => {
    const origin = `http://throwing-${route}.bits.test`;
    const pool = new BitsServerPool();
    const server = pool.open({ origin, application: new ScriptedApplication([200]), relay: 'mirror', now: () => 0, faults: [] });
    const routes = new InProcessRoutes(pool.handlers);
    await routes.ready(route);
    const transport = routes.open(route);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {}); // msw prints the exception too
    try {
      // A Fragment whose body cannot be read as the handler reads it: the handler throws.
      const response = await fetch(`${origin}/x`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' }, body: new ReadableStream({ pull: (c) => c.error(new Error('body broke')) }), duplex: 'half' } as RequestInit);
      expect(response.status).toBe(500);
      expect(server.handlerErrors).toEqual([expect.stringMatching(/^BITS server handler threw: /)]);
    } finally {
      quiet.mockRestore();
      transport.close();
      server.close();
    }
  });

  test('requests to no case fail as network errors, over fetch and node:http, and are counted while in flight', async () => {
    const { routes, server } = await routesFor(`http://somebody-${route}.bits.test`);
    await routes.ready(route);
    const transport = routes.open(route);
    try {
      const pending = fetch('http://nobody.bits.test/x', { method: 'BITS_POST' });
      expect(transport.inFlight()).toBe(1);
      await expect(pending).rejects.toThrow(TypeError);
      await expect(httpPost('http://nobody.bits.test/x', undefined)).rejects.toThrow();
      for (let hop = 0; hop < 10 && transport.inFlight() > 0; hop++) await new Promise((resolve) => setImmediate(resolve));
      expect(transport.inFlight()).toBe(0);
    } finally {
      transport.close();
      server.close();
    }
  });

  test('a request through an imported `request` of node:http (an ES module import) is counted in flight, case after case', async () => {
    const { routes, server } = await routesFor(`http://imported-${route}.bits.test`);
    await routes.ready(route);
    for (let i = 0; i < 2; i++) {
      const transport = routes.open(route);
      try {
        let answered = false;
        const outgoing = importedRequest(`http://imported-${route}.bits.test/upload`, { method: 'BITS_POST', headers: { 'Content-Length': '0', 'BITS-Packet-Type': 'Ping' } }, (response) => {
          response.resume();
          response.on('end', () => (answered = true));
        });
        outgoing.end();
        expect(transport.inFlight()).toBe(1);
        while (!answered) await new Promise((resolve) => setImmediate(resolve));
      } finally {
        transport.close();
      }
    }
    server.close();
  });

  test('node:http requests on a keep-alive agent of one socket are answered in order and counted until answered', async () => {
    const origin = `http://keep-alive-${route}.bits.test`;
    const { routes, server } = await routesFor(origin);
    await routes.ready(route);
    const transport = routes.open(route);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    try {
      const pending = [1, 2, 3].map(() => httpPost(`${origin}/x`, agent, { 'BITS-Packet-Type': 'Ping' }));
      expect(transport.inFlight()).toBe(3);
      expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(transport.inFlight()).toBe(0);
      expect(server.ledger.count).toBe(3);
      // One connection, kept alive and reused. msw's interceptor puts an agent of its own in the client's
      // place, so under it the client's agent never sees a socket.
      expect(sockets.size).toBe(route === 'direct' ? 1 : 0);
    } finally {
      agent.destroy();
      transport.close();
      server.close();
    }
  });

  test('a fetch aborted before its answer rejects with the reason, its signal given in init or on a Request; one never aborted is answered', async () => {
    const origin = `http://aborted-${route}.bits.test`;
    const { routes, server } = await routesFor(origin);
    await routes.ready(route);
    const transport = routes.open(route);
    const ping = { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Ping' } };
    try {
      // The handlers answer no request in the turn it arrives, so an abort in this turn comes first.
      const viaInit = new AbortController();
      const first = fetch(`${origin}/x`, { ...ping, signal: viaInit.signal });
      viaInit.abort(new Error('stopped by init'));
      await expect(first).rejects.toThrow('stopped by init');
      const viaRequest = new AbortController();
      const second = fetch(new Request(`${origin}/x`, { ...ping, signal: viaRequest.signal }));
      viaRequest.abort(new Error('stopped by the Request'));
      await expect(second).rejects.toThrow('stopped by the Request');
      const kept = new AbortController();
      expect((await fetch(`${origin}/x`, { ...ping, signal: kept.signal })).status).toBe(200);
      expect((await fetch(`${origin}/x`, ping)).status).toBe(200);
    } finally {
      transport.close();
      server.close();
    }
  });

  test('a relayed 3xx reaches the client as itself, not as a followed redirect', async () => {
    const [c] = statusMatrixCases({ from: 307, to: 307, relays: ['mirror'], jobTypes: ['upload'] });
    const observation = await runCase(c!, reference, new InProcessEnvironment(route));
    expect(observation.ledger.filter((e) => e.packetType !== 'unknown').map((e) => e.response?.status)).toContain(307);
    expect(judge(c!, observation).verdict).toBe('pass');
  });
});

test('on the direct route, a connection made with net.connect to a case host (the undici package, a client\'s own HTTP code) reaches the handlers, however it names the host', async () => {
  const origin = 'http://raw.bits.test';
  const { routes, server } = await routesFor(origin);
  await routes.ready('direct');
  const transport = routes.open('direct');
  const ping = (socket: net.Socket): Promise<string> =>
    new Promise((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text.split('\r\n')[0]!));
      socket.on('error', reject);
      socket.end('BITS_POST /upload/x.bin HTTP/1.1\r\nHost: raw.bits.test\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  try {
    const answers = [await ping(net.connect({ host: 'raw.bits.test', port: 80 })), await ping(net.createConnection(80, 'raw.bits.test')), await ping(importedConnect({ host: 'raw.bits.test', port: 80 }))];
    expect(answers).toEqual(Array(3).fill('HTTP/1.1 200 OK'));
    expect(server.ledger.entries.map((e) => e.packetType)).toEqual(['Ping', 'Ping', 'Ping']);
  } finally {
    transport.close();
    server.close();
  }
});
