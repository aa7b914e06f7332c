// A verdict holds however a client is built: correct clients that differ from the plain client only in how
// they wait, read the time, do their own work, send or tell a network error pass every case the plain
// client passes: all of them but the 407 and 421 cases its fetch decides (fixtures/clients/on-fetch.ts),
// which must fail on those rules. All but one of the differences once failed a correct client in-process
// (timers/promises: 1,587 of 2,038 cases); the fetch kept from load never did, and is the control that
// goes through Node's own fetch.
import { describe, expect, test } from 'vitest';
import { decidedByFetch, FETCH_STEP_RULES } from '../../fixtures/clients/on-fetch.js';
import { allCases } from './cases.js';
import { judge } from './judge/index.js';
import { runCase } from './run-case.js';

// Loaded after the harness, as the suite loads a client module: some keep timers from their load.
const { builtDifferently } = await import('../../fixtures/clients/built-differently.js');

// Every scenario and retry-until-NPT case (where time and timeouts matter most), every 8th of the matrix,
// and the cases fetch decides.
const cases = allCases().filter((c, i) => c.kind !== 'status-matrix' || i % 8 === 0 || decidedByFetch(c));

describe('a correct client built differently passes every case but those its fetch decides', () => {
  test.each(Object.entries(builtDifferently))('one that %s', async (_, client) => {
    const unexpected: string[] = [];
    for (const c of cases) {
      const { verdict, failures, reason } = judge(c, await runCase(c, client));
      const rules = [...new Set(failures.map((f) => f.rule))];
      const expected = decidedByFetch(c) ? verdict === 'fail' && rules.every((r) => FETCH_STEP_RULES.includes(r)) : verdict === 'pass';
      if (!expected) unexpected.push(`${c.id}: ${verdict} ${reason ?? rules.join(',')}`);
    }
    expect(unexpected).toEqual([]);
  }, 120_000);
});
