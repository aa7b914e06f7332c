// The suite proves itself: every broken client in fixtures/clients/zoo must be caught with the rules
// its expectation names, on the cases that exercise its fault, while every unrelated case of the run
// passes. The run is each member's own cases, their neighbours and the fixed control set (zoo.ts says
// exactly what "caught" and "unrelated" mean); `npm run zoo` prints the same judgement as a table.
import { describe, expect, test } from 'vitest';
import throwing from '../../fixtures/clients/throws-every-other-job.js';
import reference from '../../src/harness/reference-client.js';
import { judge } from '../../src/harness/judge/index.js';
import { runCase } from '../../src/harness/run-case.js';
import { ruleById } from '../../src/rules/index.js';
import { allCases, statusMatrixCases } from '../../src/harness/cases.js';
import { caseById, controlCases, fastRunOf, inScope, killMember, loadZoo, type ZooMember } from './zoo.js';

const zoo = await loadZoo();

describe('the zoo', () => {
  test('has at least 20 broken clients, each described by rules that exist and cases inside its scope', () => {
    expect(zoo.length).toBeGreaterThanOrEqual(20);
    const every = allCases();
    for (const { id, expectation: e } of zoo) {
      for (const rule of [...e.rules, ...(e.consequences ?? [])]) expect(() => ruleById(rule), `${id}: ${rule}`).not.toThrow();
      expect(e.rules.length, id).toBeGreaterThan(0);
      expect(e.cases.length, id).toBeGreaterThan(0);
      for (const c of e.cases) expect(inScope(caseById(c)!, e.scope), `${id}: ${c} is in its scope`).toBe(true);
      expect(every.some((c) => inScope(c, e.scope)), `${id}: its scope holds some case`).toBe(true);
    }
  });

  test.for(zoo)('catches $id with the expected rules and flags nothing unrelated', async (member) => {
    const result = await killMember(member, fastRunOf(member));
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('caught');
  });
});

describe('the judgement of the zoo', () => {
  const fake = (expectation: ZooMember['expectation'], client = reference): ZooMember => ({ id: 'fake', file: 'none', client, expectation });
  const cases = [caseById('app/201/mirror/upload')!, caseById('app/404/mirror/upload')!];

  test('a fault the suite does not see is missed', async () => {
    const r = await killMember(fake({ fault: 'none', rules: ['APP-OTHER'], scope: { statuses: [201] }, cases: ['app/201/mirror/upload'] }), cases);
    expect(r.status).toBe('missed');
    expect(r.problems).toContain('app/201/mirror/upload: missed (verdict pass)');
  });

  test('a failure outside the scope, or on a rule not listed, makes the catch imprecise', async () => {
    const { default: context5 } = await import('../../fixtures/clients/zoo/reports-context-5.js');
    const r = await killMember(fake({ fault: 'context 5', rules: ['ERR-CODE'], consequences: ['JOB-NPT'], scope: { statuses: [201] }, cases: ['app/201/mirror/upload'] }, context5), cases);
    expect(r.status).toBe('missed'); // it failed, but not on a listed rule
    const narrow = await killMember(fake({ fault: 'context 5', rules: ['APP-CONTEXT'], consequences: ['RELAY-MIRROR'], scope: { statuses: [201] }, cases: ['app/201/mirror/upload'] }, context5), cases);
    expect(narrow.status).toBe('imprecise');
    expect(narrow.problems).toEqual([expect.stringMatching(/^app\/404\/mirror\/upload: unrelated case flagged \(verdict fail: \[APP-CONTEXT\]/)]);
  });

  test('a listed rule that never shows is reported: the lists are exact', async () => {
    const { default: context5 } = await import('../../fixtures/clients/zoo/reports-context-5.js');
    const r = await killMember(fake({ fault: 'context 5', rules: ['APP-CONTEXT'], consequences: ['RELAY-MIRROR', 'JOB-NPT'], scope: { statuses: [201, 404] }, cases: ['app/201/mirror/upload'] }, context5), cases);
    expect(r.problems).toEqual(['expected rule(s) never named: JOB-NPT']);
  });

  test('a member on fetch is not blamed for the cases fetch decides, and must fail them', async () => {
    const { plainClient } = await import('../../fixtures/clients/plain-client.js');
    const onFetch = [caseById('app/407/mirror/upload')!, caseById('app/421/alt-header/upload-reply')!, caseById('app/404/mirror/upload')!];
    const expectation = { fault: 'none', rules: ['APP-OTHER'], scope: { statuses: [201] }, cases: ['app/201/mirror/upload'] };
    // The plain client sends with fetch: without `onFetch` its 407 and 421 are failures outside its scope.
    const unsaid = await killMember(fake(expectation, plainClient()), onFetch);
    expect(unsaid.problems.filter((p) => p.includes('unrelated case flagged')).map((p) => p.split(':')[0])).toEqual(['app/407/mirror/upload', 'app/421/alt-header/upload-reply']);
    const said = await killMember(fake({ ...expectation, onFetch: true }, plainClient()), onFetch);
    expect(said.problems).toEqual(['expected rule(s) never named: APP-OTHER']);
    // The reference client sends with node:http: a member that says it is on fetch and passes them is wrong.
    const wrong = await killMember(fake({ ...expectation, onFetch: true }), onFetch);
    expect(wrong.problems.slice(0, 2)).toEqual(['app/407/mirror/upload: a case fetch decides, not failed (verdict pass)', 'app/421/alt-header/upload-reply: a case fetch decides, not failed (verdict pass)']);
  });
});

test('the reference client passes the control set and every case the zoo is caught on', async () => {
  const ids = new Set([...controlCases().map((c) => c.id), ...zoo.flatMap((m) => m.expectation.cases)]);
  const failing: string[] = [];
  for (const id of ids) {
    const c = caseById(id)!;
    const j = judge(c, await runCase(c, reference));
    if (j.verdict !== 'pass') failing.push(`${id}: ${j.verdict} ${j.failures.map((f) => f.rule).join(', ')}`);
  }
  expect(failing).toEqual([]);
});

test('a client that throws inside a job gets error verdicts for those cases, and the other cases still run', async () => {
  const results = [];
  for (const c of statusMatrixCases({ from: 404, to: 404 }).concat(statusMatrixCases({ from: 503, to: 503 }))) {
    results.push({ id: c.id, ...judge(c, await runCase(c, throwing)) });
  }
  expect(results.map((r) => r.verdict)).toEqual(['error', 'pass', 'error', 'pass', 'error', 'pass', 'error', 'pass']);
  expect(results[0]!.reason).toBe('client error: resume() threw: simulated crash in resume()');
});
