// Stryker's vitest runner counts a test file that fails to import as a run of zero tests, and a run
// with no failing test as a surviving mutant. A mutant that breaks the rule table or the client at load
// time (a bad rule ID, a Map built of nothing) would stop `npm start` with exit 2, so it must count as
// caught: these tests import the suite's modules inside a test, where a load failure is a failure. The
// last one loads what judge-replay.suite.ts loads before its tests: without it a replay that cannot find
// its records or members would count as no test at all, and every mutant of the judge would survive.
import { expect, test } from 'vitest';

test('the rule table loads and names its rules', async () => {
  const rules = await import('../../src/rules/index.js');
  expect(rules.ruleById('APP-CONTEXT').id).toBe('APP-CONTEXT');
  expect(rules.ruleById('ERR-CODE').errorCodeBase).toBe(0x80190000);
});

test('the cases, the judge and the reference client load', async () => {
  const { allCases } = await import('../../src/harness/cases.js');
  await import('../../src/harness/judge/index.js');
  await import('../../src/client/index.js');
  expect(allCases().length).toBeGreaterThan(2000);
});

test("the kill table's replay finds its records, every zoo member and every conformant client", async () => {
  const { Replay } = await import('./replay.js');
  const { CONFORMANT_CLIENTS } = await import('./observations.js');
  const replay = await Replay.load();
  expect(replay.members.length).toBeGreaterThan(60);
  for (const client of CONFORMANT_CLIENTS) expect(replay.subject(client.name).cases.length).toBeGreaterThan(80);
});
