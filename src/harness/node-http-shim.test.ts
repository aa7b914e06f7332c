import { expect, test } from 'vitest';
import nodeHttpClient, { viaNodeHttp } from '../../fixtures/clients/node-http-client.js';
import { statusMatrixCases } from './cases.js';
import { judge } from './judge/index.js';
import { parsableRequest } from './node-http-shim.js';
import { runCase } from './run-case.js';

test('only an unknown method at the start of a request line is rewritten, for the parse', () => {
  const text = (b: Buffer) => b.toString('latin1');
  expect(text(parsableRequest(Buffer.from('BITS_POST /a HTTP/1.1\r\nHost: x\r\n\r\n')))).toBe('POST /a HTTP/1.1\r\nHost: x\r\n\r\n');
  expect(text(parsableRequest(Buffer.from('PUT /a HTTP/1.1\r\n\r\n')))).toBe('PUT /a HTTP/1.1\r\n\r\n');
  expect(text(parsableRequest(Buffer.from('BITS_POST is not a request line')))).toBe('BITS_POST is not a request line');
});

test('a node:http-based client completes cases in-process, its BITS_POST requests intercepted', async () => {
  for (const c of statusMatrixCases({ from: 503, to: 503, relays: ['mirror'] })) {
    const before = viaNodeHttp.requests;
    const observation = await runCase(c, nodeHttpClient);
    expect(observation.ledger.every((e) => e.method === 'BITS_POST' || e.method === 'GET')).toBe(true);
    expect(viaNodeHttp.requests - before).toBe(observation.ledger.length);
    expect(judge(c, observation)).toMatchObject({ verdict: 'pass', failures: [] });
  }
});
