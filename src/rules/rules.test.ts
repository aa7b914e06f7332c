import { describe, expect, test } from 'vitest';
import fixture from '../../fixtures/expected-classes.json' with { type: 'json' };
import data from './rules.json' with { type: 'json' };
import {
  APPLICATION_ERROR_CONTEXT,
  BG_ERROR_CONTEXT,
  BG_JOB_STATE,
  blocksRepost,
  classify,
  classifyingRule,
  errorCodeFor,
  hasNamedErrorCode,
  loadRuleTable,
  ruleById,
  ruleTable,
  rulesDigest,
  statusSpecificRuleIds,
  winhttpName,
} from './index.js';

const statuses = Array.from({ length: 500 }, (_, i) => 100 + i);

describe('the rule table against the hand-written fixture', () => {
  test('the fixture lists exactly the 500 codes 100..599', () => {
    expect(Object.keys(fixture.classes).map(Number).sort((a, b) => a - b)).toEqual(statuses);
  });

  test.for(statuses)('classify(%i) matches fixtures/expected-classes.json', (status) => {
    expect(classify(status)).toBe(fixture.classes[String(status) as keyof typeof fixture.classes]);
  });

  test('the spec counts: 1 success, 107 fatal, 392 transient', () => {
    const count = (cls: string) => statuses.filter((s) => classify(s) === cls).length;
    expect([count('success'), count('fatal'), count('transient')]).toEqual([1, 107, 392]);
  });

  test('each status is decided by the rule of its range', () => {
    expect(classifyingRule(200).id).toBe('APP-SUCCESS');
    expect(classifyingRule(204).id).toBe('APP-OTHER');
    expect(classifyingRule(150).id).toBe('APP-OTHER');
    expect(classifyingRule(307).id).toBe('APP-3XX');
    expect(classifyingRule(449).id).toBe('APP-4XX');
    expect(classifyingRule(599).id).toBe('APP-5XX');
  });

  test('statuses outside 100..599 are refused', () => {
    expect(() => classify(99)).toThrow(RangeError);
    expect(() => classify(600)).toThrow(RangeError);
    expect(() => classify(200.5)).toThrow(RangeError);
  });
});

describe('no-repost, error codes, contexts, names', () => {
  test('403 is the only status that blocks a re-post', () => {
    expect(statuses.filter(blocksRepost)).toEqual([403]);
  });

  test('errorCodeFor(S) = 0x80190000 + S', () => {
    expect(errorCodeFor(403)).toBe(0x80190193);
    expect(errorCodeFor(449)).toBe(0x801901c1);
    expect(errorCodeFor(100)).toBe(0x80190064);
    expect(errorCodeFor(599)).toBe(0x80190257);
  });

  test('named BG_E_HTTP_ERROR constants exist for 100-101, 200-206, 300-305, 307, 400-417, 449, 500-505', () => {
    const named = statuses.filter(hasNamedErrorCode);
    expect(named).toEqual([100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307,
      400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 449,
      500, 501, 502, 503, 504, 505]);
  });

  test('application errors carry context REMOTE_APPLICATION = 7; the enums hold the win32 values', () => {
    expect(APPLICATION_ERROR_CONTEXT).toBe(7);
    expect(BG_ERROR_CONTEXT.REMOTE_FILE).toBe(5);
    expect(BG_ERROR_CONTEXT.SERVER_CERTIFICATE_CALLBACK).toBe(8);
    expect(BG_JOB_STATE).toEqual({ QUEUED: 0, CONNECTING: 1, TRANSFERRING: 2, SUSPENDED: 3, ERROR: 4, TRANSIENT_ERROR: 5, TRANSFERRED: 6, ACKNOWLEDGED: 7, CANCELLED: 8 });
  });

  test('40 WinHTTP status names, from CONTINUE to VERSION_NOT_SUP, RETRY_WITH among them', () => {
    expect(Object.keys(ruleTable.winhttpNames)).toHaveLength(40);
    expect(winhttpName(100)).toBe('HTTP_STATUS_CONTINUE');
    expect(winhttpName(449)).toBe('HTTP_STATUS_RETRY_WITH');
    expect(winhttpName(505)).toBe('HTTP_STATUS_VERSION_NOT_SUP');
    expect(winhttpName(308)).toBeUndefined();
    expect(winhttpName(429)).toBeUndefined();
  });

  test('every rule carries an ID, a level, a statement and known sources', () => {
    for (const id of ['APP-SUCCESS', 'APP-3XX', 'APP-4XX', 'APP-5XX', 'APP-OTHER', 'APP-403-NOREPOST', 'APP-CONTEXT', 'RELAY-MIRROR', 'RELAY-1XX', 'RELAY-ALT-HEADER']) {
      const rule = ruleById(id);
      expect(rule.statement.length).toBeGreaterThan(10);
      for (const source of rule.sources) expect(ruleTable.sources).toHaveProperty(source);
    }
    expect(() => ruleById('APP-NOPE')).toThrow(/unknown rule/);
  });
});

describe('loading a rule table', () => {
  const copy = () => JSON.parse(JSON.stringify(data)) as typeof data;

  test('a status classified twice is refused', () => {
    const table = copy();
    table.rules[0]!.classifies!.ranges = [[200, 201]];
    expect(() => loadRuleTable(table)).toThrow('status 201 is classified by both');
  });

  test('a status classified by no rule is refused', () => {
    const table = copy();
    table.rules[4]!.classifies!.ranges = [[100, 199]];
    expect(() => loadRuleTable(table)).toThrow('status 201 is classified by no rule');
  });

  test('a schema violation names the path', () => {
    const table = copy() as unknown as { rules: { level: string }[] };
    table.rules[0]!.level = 'MAY';
    expect(() => loadRuleTable(table)).toThrow(/rule table: \/rules\/0\/level must be equal to one of the allowed values/);
  });

  test('the digest is stable and changes with the table', () => {
    expect(rulesDigest()).toMatch(/^[0-9a-f]{64}$/);
    expect(rulesDigest()).toBe(rulesDigest(loadRuleTable(copy())));
    const changed = copy();
    changed.rules[0]!.statement = 'Only 200 means success, really.';
    expect(rulesDigest(loadRuleTable(changed))).not.toBe(rulesDigest());
  });
});

test('status-specific interpretations name their statuses', () => {
  const statuses = Array.from({ length: 500 }, (_, i) => 100 + i);
  expect(statuses.filter((s) => statusSpecificRuleIds(s).includes('RELAY-1XX'))).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
  expect(statuses.filter((s) => statusSpecificRuleIds(s).includes('RELAY-PRECEDENCE'))).toEqual([401, 407, 413, 416, 500]);
});
