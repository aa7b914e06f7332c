// The direct route (fetch answered by getResponse, node:http over a local socket to the wire reader) is
// a faster way to the same msw handlers, never a different server: every case of the suite, run against
// a conformant client and against a broken one, is judged the same through it as through msw's own
// interceptors (the route the suite used before), failures and rules not judged included.
import { describe, expect, test } from 'vitest';
import { decidedByFetch } from '../../fixtures/clients/on-fetch.js';
import { plainClient } from '../../fixtures/clients/plain-client.js';
// A client with faults several rule families catch (a re-post after a 403, no Ping on resume, no Cancel-Session).
import broken from '../../fixtures/clients/plain-client-broken.js';
import { allCases } from './cases.js';
import type { ClientUnderTest } from './contract.js';
import { InProcessEnvironment } from './environment.js';
import type { InProcessRoute } from './in-process.js';
import { judge } from './judge/index.js';
import reference from './reference-client.js';
import { runCase } from './run-case.js';

/** Each case's id with its verdict, the rules it failed and the rules it could not judge. */
async function verdicts(client: ClientUnderTest, route: InProcessRoute, step = 1): Promise<string[]> {
  const environment = new InProcessEnvironment(route);
  await environment.ready();
  const lines: string[] = [];
  for (const c of allCases().filter((_, i) => i % step === 0)) {
    const j = judge(c, await runCase(c, client, environment));
    const failed = [...new Set(j.failures.map((f) => f.rule))].sort().join(',');
    const notJudged = j.notJudged.map((n) => n.rule).sort().join(',');
    lines.push(`${c.id} ${j.verdict} [${failed}] [${notJudged}]`);
  }
  return lines;
}


describe('the direct route and the msw route judge every case the same', () => {
  // The cases fetch decides (a relayed 407 and 421, fixtures/clients/on-fetch.ts) fail for any client on fetch.
  const fetchDecides = allCases().filter(decidedByFetch).map((c) => c.id);
  test.for([
    ['plain client (fetch), conformant but for what fetch decides', plainClient(), false],
    ['plain client (fetch), broken', broken, true],
  ] as const)('%s: all cases', { timeout: 300_000 }, async ([, client, isBroken]) => {
    const direct = await verdicts(client, 'direct');
    expect(direct.length).toBe(allCases().length);
    // Not a comparison of two lists that say nothing: both fail every case fetch decides, and only the
    // broken client fails others.
    const failed = direct.filter((line) => line.includes(' fail ')).map((line) => line.split(' ')[0]!);
    expect(fetchDecides.filter((id) => !failed.includes(id))).toEqual([]);
    expect(failed.some((id) => !fetchDecides.includes(id))).toBe(isBroken);
    expect(await verdicts(client, 'msw')).toEqual(direct);
  });

  // node:http through msw's interceptor costs several times what fetch does: every third case.
  test('reference client (node:http): every third case', { timeout: 300_000 }, async () => {
    const direct = await verdicts(reference, 'direct', 3);
    expect(direct.every((line) => line.includes(' pass '))).toBe(true);
    expect(await verdicts(reference, 'msw', 3)).toEqual(direct);
  });
});
