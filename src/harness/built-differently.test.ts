// A verdict holds however a client is built: correct clients that differ from the plain client only in how
// they wait, read the time or do their own work pass every case the plain client passes (all of them).
// Each difference below once failed a correct client in-process (timers/promises: 1,587 of 2,038 cases).
import { describe, expect, test } from 'vitest';
import { builtDifferently } from '../../fixtures/clients/built-differently.js';
import { allCases } from './cases.js';
import { judge } from './judge/index.js';
import { runCase } from './run-case.js';

// Every scenario and retry-until-NPT case (where time and timeouts matter most), and every 8th of the matrix.
const cases = allCases().filter((c, i) => c.kind !== 'status-matrix' || i % 8 === 0);

describe('a correct client built differently passes every case', () => {
  test.each(Object.entries(builtDifferently))('one that %s', async (_, client) => {
    const failing: string[] = [];
    for (const c of cases) {
      const { verdict, failures, reason } = judge(c, await runCase(c, client));
      if (verdict !== 'pass') failing.push(`${c.id}: ${verdict} ${reason ?? failures.map((f) => f.rule).join(',')}`);
    }
    expect(failing).toEqual([]);
  }, 120_000);
});
