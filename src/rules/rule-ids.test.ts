import { expect, test } from 'vitest';
import { RULE_IDS, ruleTable } from './index.js';

test('RULE_IDS lists exactly the rules of rules.json, in order', () => {
  expect([...RULE_IDS]).toEqual(ruleTable.rules.map((r) => r.id));
});
