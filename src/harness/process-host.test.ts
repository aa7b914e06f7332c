// The reference client over real TCP, as a process: the protocol scenarios and a sample of the matrix.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { realTimeProfile, scenarioCases, statusMatrixCases, type ConformanceCase } from './cases.js';
import { judge } from './judge/index.js';
import { ProcessClient } from './process-client.js';
import { runCase } from './run-case.js';
import { TcpEnvironment } from './tcp-environment.js';

let environment: TcpEnvironment;
let client: ProcessClient;
beforeAll(async () => {
  environment = await new TcpEnvironment().start();
  client = await ProcessClient.start('node --import tsx fixtures/process-clients/reference.ts');
});
afterAll(async () => {
  await client?.close();
  await environment?.close();
});

const profile = realTimeProfile(200);
const SAMPLE = [100, 200, 201, 306, 307, 403, 404, 408, 416, 429, 449, 500, 501, 503, 599];

test('the reference client, hosted as a process, passes every scenario and a sample of the matrix over TCP', async () => {
  expect(client.name).toBe('bits-conformance reference client');
  const cases: ConformanceCase[] = [
    ...scenarioCases(profile),
    ...SAMPLE.flatMap((s) => statusMatrixCases({ from: s, to: s, timing: profile.matrix })),
  ];
  const results = await Promise.all(cases.map(async (c) => ({ id: c.id, ...judge(c, await runCase(c, client, environment)) })));
  expect(results.filter((r) => r.verdict !== 'pass').map((r) => ({ id: r.id, verdict: r.verdict, reason: r.reason, failures: r.failures }))).toEqual([]);
}, 120_000);
