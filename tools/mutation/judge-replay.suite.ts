// The kill table, replayed: what Stryker runs against every mutant of the judge (vitest.mutation.config.ts).
// The observations were recorded once (observations.ts, record.ts); here the judge as it is (the mutant)
// reads them again, and its verdicts are held to what the live kill table holds them to:
// - every zoo member is caught precisely (holdToExpectation, the function killMember uses: the same
//   cases, the same judge options, the same conditions);
// - every case of the conformant clients passes, under --strict.
// A mutant that lets a member escape, or fails a conformant client, is killed. A case whose run the
// mutant changes (a rule-table mutant that changes the server's script or the flow) cannot be replayed:
// the live suites judge that mutant, and this file leaves the case alone.
import { describe, expect, test } from 'vitest';
import { judge } from '../../src/harness/judge/index.js';
import { casesOf, holdToExpectation } from '../zoo/zoo.js';
import { CONFORMANT_CLIENTS } from './observations.js';
import { Replay } from './replay.js';

// A load failure here would count as no test at all (a surviving mutant): modules-load.suite.ts loads the same inside a test.
const replay = await Replay.load();

describe('every zoo member is caught precisely', () => {
  const plans = new Map(replay.members.map((m) => [m, casesOf(m, 'fast', replay.subject(m.id).capabilities)]));

  test.for(replay.members)('$id', (member) => {
    const observed = replay.observations(member.id, plans.get(member)!);
    if (!observed) return;
    const verdict = holdToExpectation(member.expectation, [...observed].map(([c, o]) => ({ c, judgement: judge(c, o) })));
    expect(verdict.problems).toEqual([]);
    expect(verdict.status).toBe('caught');
  });
});

// One test per client, not per case: Stryker runs the replay once per mutant, and vitest's cost per test
// (collected, filtered, reported) outweighed the judging. The first case that does not pass fails it.
describe('every case of the conformant clients passes', () => {
  test.for(CONFORMANT_CLIENTS.map((client) => client.name))('%s', (name) => {
    const client = CONFORMANT_CLIENTS.find((x) => x.name === name)!;
    const observed = replay.observations(name, client.cases(replay.subject(name).capabilities));
    for (const [c, o] of observed ?? []) {
      const j = judge(c, o, { strict: true });
      if (j.verdict !== 'pass') expect.fail(`${c.id}: ${j.verdict}: ${j.failures.map((f) => `[${f.rule}] ${f.message}`).join('; ') || j.reason}`);
    }
  });
});
