// Every rule of the table is killed by at least one broken client: some member of the zoo (the
// reference client with a fault set through an option, or a client written from scratch) is expected
// to be caught by it (its `rules`). A rule no broken client breaks is a rule nobody proves the judge
// enforces: the test names each one.
import { expect, test } from 'vitest';
import rules from '../../src/rules/rules.json' with { type: 'json' };
import { loadAllMembers } from './zoo.js';

const members = await loadAllMembers();

test('every rule of src/rules/rules.json is killed by at least one broken client', () => {
  const killed = new Set(members.flatMap((m) => m.expectation.rules));
  const unkilled = rules.rules.map((r) => r.id).filter((id) => !killed.has(id));
  expect(unkilled, `rules no broken client is expected to be caught by: ${unkilled.join(', ')}`).toEqual([]);
});

test('the broken clients name no rule the table lacks', () => {
  const known = new Set(rules.rules.map((r) => r.id));
  const unknown = members.flatMap((m) => [...m.expectation.rules, ...(m.expectation.consequences ?? [])].filter((r) => !known.has(r)).map((r) => `${m.id}: ${r}`));
  expect(unknown).toEqual([]);
});
