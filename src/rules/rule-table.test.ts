// What rules.test.ts leaves open, found by mutation testing (docs/mutation.md): the checks loadRuleTable
// makes at the edges of the table, the canonical form behind the digest, and the rule IDs a case lists.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import data from './rules.json' with { type: 'json' };
import { classify, errorCodeRuleIds, interpretationIds, loadRuleTable, noRepostRuleIds, rulesDigest, type RuleTable } from './index.js';

const copy = () => JSON.parse(JSON.stringify(data)) as typeof data;

describe('loading a rule table', () => {
  test('a rule that cites a source the table does not define is refused', () => {
    const table = copy();
    table.rules[0]!.sources = ['NOWHERE'];
    expect(() => loadRuleTable(table)).toThrow('rule table: APP-SUCCESS cites unknown source NOWHERE');
  });

  test('the last status, 599, must be classified too', () => {
    const table = copy();
    const fiveXx = table.rules.find((r) => r.id === 'APP-5XX')!;
    fiveXx.classifies!.ranges = [[500, 598]];
    expect(() => loadRuleTable(table)).toThrow('rule table: status 599 is classified by no rule');
  });

  test('a range that overlaps another at its last status is refused', () => {
    const table = copy();
    const threeXx = table.rules.find((r) => r.id === 'APP-3XX')!;
    threeXx.classifies!.ranges = [[300, 400]];
    expect(() => loadRuleTable(table)).toThrow('rule table: status 400 is classified by both APP-3XX and APP-4XX');
  });
});

test('a status outside 100..599 is named in the error', () => {
  expect(() => classify(99)).toThrow('status 99 is outside 100..599');
});

test('the digest is SHA-256 over the canonical form: keys sorted at every depth, no whitespace, arrays in order', () => {
  const table = { b: 1, a: [2, { d: 'x', c: null }], c: { z: true, y: [] } } as unknown as RuleTable;
  const canonical = '{"a":[2,{"c":null,"d":"x"}],"b":1,"c":{"y":[],"z":true}}';
  expect(rulesDigest(table)).toBe(createHash('sha256').update(canonical).digest('hex'));
});

test('the rule IDs a case lists for the no-repost and error-code rules', () => {
  expect(noRepostRuleIds(403)).toEqual(['APP-403-NOREPOST', 'NOREPOST-SCOPE']);
  expect(noRepostRuleIds(404)).toEqual([]);
  expect(errorCodeRuleIds(404)).toEqual(['ERR-CODE']);
  expect(errorCodeRuleIds(418)).toEqual(['ERR-CODE', 'ERR-CODE-ALL']);
});

test('only interpretations can be switched off: the rules the table marks as the suite\'s own reading', () => {
  const ids = interpretationIds();
  expect(ids).toEqual(expect.arrayContaining(['NO-FALSE-SUCCESS', 'CONNECTION-REUSE', 'PKT-ACK-INVALID']));
  for (const normative of ['APP-SUCCESS', 'APP-4XX', 'APP-403-NOREPOST', 'ERR-CODE']) expect(ids).not.toContain(normative);
  expect(new Set(ids).size).toBe(ids.length);
});
