// The suite proves itself: each deliberately broken client under fixtures/broken-clients differs from
// the reference client in one behaviour, and must be caught with the rule it breaks, on the cases
// that exercise that behaviour, while unrelated cases still pass.
import { describe, expect, test } from 'vitest';
import context5 from '../../fixtures/broken-clients/reports-context-5.js';
import early from '../../fixtures/broken-clients/ignores-retry-delay.js';
import reposts403 from '../../fixtures/broken-clients/reposts-after-403.js';
import retries429 from '../../fixtures/broken-clients/retries-429.js';
import success201 from '../../fixtures/broken-clients/treats-201-as-success.js';
import { statusMatrixCases, type ConformanceCase } from './cases.js';
import type { ClientUnderTest } from './contract.js';
import { judge } from './judge.js';
import reference from './reference-client.js';
import { runCase } from './run-case.js';

const casesOf = (...statuses: number[]): ConformanceCase[] => statuses.flatMap((s) => statusMatrixCases({ from: s, to: s }));

async function verdicts(client: ClientUnderTest, cases: ConformanceCase[]) {
  const out = [];
  for (const c of cases) out.push({ id: c.id, ...judge(c, await runCase(c, client)) });
  return out;
}

const zoo = [
  { client: success201, caught: [201], rules: ['APP-OTHER'], controls: [200, 202, 503, 404] },
  { client: reposts403, caught: [403], rules: ['APP-403-NOREPOST'], controls: [200, 401, 404, 503] },
  { client: context5, caught: [404, 503, 100], rules: ['APP-CONTEXT'], controls: [200] },
  { client: retries429, caught: [429], rules: ['APP-4XX'], controls: [200, 428, 430, 503] },
  { client: early, caught: [503, 408, 201], rules: ['TRANSIENT-RETRY'], controls: [200, 404, 403] },
];

describe.each(zoo)('$client.name', ({ client, caught, rules, controls }) => {
  test(`is caught on ${caught.join(', ')} with ${rules.join(', ')}`, async () => {
    for (const j of await verdicts(client, casesOf(...caught))) {
      expect(j.verdict, j.id).toBe('fail');
      expect(j.failures.map((f) => f.rule), j.id).toEqual(expect.arrayContaining(rules));
    }
  });

  test(`passes the unrelated cases ${controls.join(', ')}`, async () => {
    for (const j of await verdicts(client, casesOf(...controls))) expect({ id: j.id, verdict: j.verdict, failures: j.failures }).toEqual({ id: j.id, verdict: 'pass', failures: [] });
  });
});

test('the reference client passes the cases the broken clients fail', async () => {
  const all = await verdicts(reference, casesOf(...new Set(zoo.flatMap((z) => z.caught))));
  expect(all.filter((j) => j.verdict !== 'pass')).toEqual([]);
});

test('a client that throws inside a job gets error verdicts for those cases, and the other cases still run', async () => {
  const { default: throwing } = await import('../../fixtures/broken-clients/throws-every-other-job.js');
  const results = await verdicts(throwing, casesOf(404, 503));
  expect(results.map((r) => r.verdict)).toEqual(['error', 'pass', 'error', 'pass', 'error', 'pass', 'error', 'pass']);
  expect(results[0]!.reason).toBe('client error: resume() threw: simulated crash in resume()');
});
