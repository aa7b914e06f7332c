import { describe, expect, test } from 'vitest';
import { ruleById } from '../rules/index.js';
import { compileAssert } from '../schema/ajv.js';
import { allCases, persistentFailureCases, scenarioCases, statusMatrixCases, WINDOWS_TIMING } from './cases.js';
import schema from './schemas/case.schema.json' with { type: 'json' };

const assertCase = compileAssert(schema, 'case');

describe('cases are schema-valid data built from the rule table', () => {
  const cases = allCases();

  test('the full matrix: 500 statuses x 2 relay forms x 2 job types, plus the persistent failures', () => {
    expect(statusMatrixCases()).toHaveLength(2000);
    expect(cases).toHaveLength(2000 + persistentFailureCases().length + scenarioCases().length);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  test('every case matches case.schema.json and cites only known rules', () => {
    for (const c of cases) {
      assertCase(c);
      for (const id of c.rules) expect(() => ruleById(id), `${c.id} cites ${id}`).not.toThrow();
    }
  });

  test('a schema violation names the path', () => {
    expect(() => assertCase({ ...cases[0], status: 600 })).toThrow('case: /status must be <= 599');
  });

  test('the matrix runs each status with an application that answers S, then 200, under the Windows defaults', () => {
    const c = statusMatrixCases({ from: 449, to: 449, relays: ['mirror'], jobTypes: ['upload'] })[0]!;
    expect(c).toMatchObject({ id: 'app/449/mirror/upload', script: [449, 200], timing: WINDOWS_TIMING, statusName: 'HTTP_STATUS_RETRY_WITH' });
    expect(c.expected).toEqual({ class: 'fatal', decision: { state: 'ERROR', error: { context: 7, code: 0x801901c1 } }, posts: { min: 2, max: 2 }, finalState: 'ACKNOWLEDGED', repostAllowed: true });
    expect(c.rules.slice(0, 4)).toEqual(['APP-4XX', 'APP-CONTEXT', 'ERR-CODE', 'JOB-FATAL']);
    expect(c.rules).toEqual(expect.arrayContaining(['PKT-CREATE', 'PKT-SESSION', 'PKT-RANGE', 'PKT-RESUME-OFFSET']));
  });

  test('rules follow the case: 403 no-repost, 1xx relay, alt header, precedence, reply, unnamed codes', () => {
    const [c403] = statusMatrixCases({ from: 403, to: 403, relays: ['alt-header'], jobTypes: ['upload-reply'] });
    expect(c403!.rules).toEqual(expect.arrayContaining(['APP-403-NOREPOST', 'NOREPOST-SCOPE', 'RELAY-ALT-HEADER', 'PKT-REPLY']));
    expect(c403!.expected.repostAllowed).toBe(false);
    const [c100] = statusMatrixCases({ from: 100, to: 100, relays: ['mirror'], jobTypes: ['upload'] });
    expect(c100!.rules).toEqual(expect.arrayContaining(['APP-OTHER', 'RELAY-1XX', 'TRANSIENT-RETRY']));
    const [c500] = statusMatrixCases({ from: 500, to: 500, relays: ['mirror'], jobTypes: ['upload'] });
    expect(c500!.rules).toContain('RELAY-PRECEDENCE');
    const [c599] = statusMatrixCases({ from: 599, to: 599, relays: ['mirror'], jobTypes: ['upload'] });
    expect(c599!.rules).toContain('ERR-CODE-ALL');
    const [c200] = statusMatrixCases({ from: 200, to: 200, relays: ['mirror'], jobTypes: ['upload'] });
    expect(c200!.expected.decision).toEqual({ state: 'TRANSFERRED', error: null });
    expect(c200!.rules).not.toContain('APP-CONTEXT');
  });

  test('persistent failures cover 408, 409, 500, 503, 201, 306, 100, and one case uses the real defaults', () => {
    const npt = persistentFailureCases();
    expect(new Set(npt.map((c) => c.status))).toEqual(new Set([100, 201, 306, 408, 409, 500, 503]));
    expect(npt.every((c) => c.expected.class === 'transient' && c.script.length === 1)).toBe(true);
    expect(npt.filter((c) => c.timing.minimumRetryDelayMs === 600_000 && c.timing.noProgressTimeoutMs === 1_209_600_000)).toHaveLength(1);
  });
});
