// Expected failures: listed failures become xfail, expired entries stop applying, entries whose
// failure is gone are reported, and the file itself is schema-checked.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { assertReport } from './report.js';
import { makeRecord, makeReport } from './test-support.js';
import { applyExpectedFailures, checkExpectedFailures, expectedFailureWarnings, loadExpectedFailures, type ExpectedFailureList } from './xfail.js';

const TODAY = new Date('2026-06-15T12:00:00Z');
const entry = (e: { case?: string; rule?: string; expires?: string }) => ({ reason: 'tracked upstream', link: 'https://example.org/issues/1', expires: '2026-06-15', ...e });
const list = (...entries: ReturnType<typeof entry>[]): ExpectedFailureList => ({ file: '/repo/expected-failures.json', sha256: 'a'.repeat(64), entries });

const report = () =>
  makeReport([
    makeRecord({ status: 200 }),
    makeRecord({ status: 404, verdict: 'fail' }),
    makeRecord({ status: 405, verdict: 'fail', failures: [{ rule: 'APP-CONTEXT', message: 'context 5' }, { rule: 'JOB-FATAL', message: '1 request(s) during the quiet window' }] }),
    makeRecord({ status: 500, verdict: 'error' }),
  ]);

describe('expected failures', () => {
  test('a case entry turns that failure into xfail; the run is partial, never conformant', () => {
    const r = applyExpectedFailures(
      makeReport([makeRecord({ status: 200 }), makeRecord({ status: 404, verdict: 'fail' })]),
      list(entry({ case: 'app/404/mirror/upload' })),
      TODAY, // the expiry day itself still applies
    );
    expect(r.summary).toMatchObject({ total: 2, pass: 1, fail: 0, xfail: 1, verdict: 'partial', completeness: 'partial', partial: [{ reason: 'expected-failures' }] });
    const c = r.cases.find((x) => x.id === 'app/404/mirror/upload')!;
    expect(c.verdict).toBe('xfail');
    expect(c.failures).toHaveLength(1); // the failure is kept, only accepted
    expect(c.expectedFailure!.entries[0]!.reason).toBe('tracked upstream');
    expect(r.expectedFailures!.entries[0]).toMatchObject({ status: 'applied', cases: ['app/404/mirror/upload'] });
    expect(() => assertReport(r)).not.toThrow();
  });

  test('rule entries accept a case only when they cover every rule it breaks', () => {
    const r = applyExpectedFailures(report(), list(entry({ rule: 'APP-CONTEXT' })), TODAY);
    expect(r.cases.find((c) => c.status === 404)!.verdict).toBe('xfail');
    expect(r.cases.find((c) => c.status === 405)!.verdict).toBe('fail'); // it also breaks JOB-FATAL
    expect(r.summary).toMatchObject({ fail: 1, xfail: 1, error: 1, verdict: 'non-conformant' });
    const both = applyExpectedFailures(report(), list(entry({ rule: 'APP-CONTEXT' }), entry({ rule: 'JOB-FATAL' })), TODAY);
    expect(both.cases.find((c) => c.status === 405)!.expectedFailure!.entries.map((e) => e.rule)).toEqual(['APP-CONTEXT', 'JOB-FATAL']);
    expect(both.summary).toMatchObject({ fail: 0, xfail: 2, verdict: 'error' }); // the error case is never hidden
  });

  test('an expired entry no longer applies and is reported', () => {
    const r = applyExpectedFailures(report(), list(entry({ case: 'app/404/mirror/upload', expires: '2026-06-14' })), TODAY);
    expect(r.cases.find((c) => c.status === 404)!.verdict).toBe('fail');
    expect(r.summary.verdict).toBe('non-conformant');
    expect(r.expectedFailures!.entries[0]).toMatchObject({ status: 'expired', cases: ['app/404/mirror/upload'] });
    expect(expectedFailureWarnings(r.expectedFailures)).toEqual(['expected failure for case app/404/mirror/upload expired on 2026-06-14 (https://example.org/issues/1): 1 case(s) fail again']);
  });

  test('an entry whose failure is gone is reported as now passing; one that matched nothing run, as unmatched, and each says so', () => {
    const r = applyExpectedFailures(report(), list(entry({ case: 'app/200/mirror/upload' }), entry({ rule: 'PKT-REPLY' }), entry({ case: 'app/599/mirror/upload' })), TODAY);
    expect(r.expectedFailures!.entries.map((e) => e.status)).toEqual(['now-passes', 'unmatched', 'unmatched']);
    expect(expectedFailureWarnings(r.expectedFailures)).toEqual([
      'expected failure for case app/200/mirror/upload now passes: remove it from the list (https://example.org/issues/1)',
      'expected failure for rule PKT-REPLY matched no case of this run (not selected): it was not checked (https://example.org/issues/1)',
      'expected failure for case app/599/mirror/upload matched no case of this run (not selected): it was not checked (https://example.org/issues/1)',
    ]);
    expect(r.summary.xfail).toBe(0);
  });

  test('the file is validated: schema, known rules and cases, one readable line each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-xfail-'));
    const write = async (name: string, content: string) => {
      await writeFile(join(dir, name), content);
      return join(dir, name);
    };
    const good = await write('good.json', JSON.stringify({ expectedFailures: [entry({ rule: 'APP-CONTEXT', expires: '2027-01-31' })] }));
    expect((await loadExpectedFailures(good)).entries).toHaveLength(1);
    await expect(loadExpectedFailures(join(dir, 'missing.json'))).rejects.toThrow(/^expected-failures file .*missing.json: no such file$/);
    await expect(loadExpectedFailures(await write('bad.json', '{ nope'))).rejects.toThrow(/is not valid JSON/);
    await expect(loadExpectedFailures(await write('date.json', JSON.stringify({ expectedFailures: [entry({ rule: 'APP-CONTEXT', expires: 'soon' })] })))).rejects.toThrow(/\/expectedFailures\/0\/expires must match format "date"/);
    await expect(loadExpectedFailures(await write('both.json', JSON.stringify({ expectedFailures: [entry({ rule: 'APP-CONTEXT', case: 'app/404/mirror/upload' })] })))).rejects.toThrow(/must match exactly one schema in oneOf/);
    await expect(loadExpectedFailures(await write('nolink.json', JSON.stringify({ expectedFailures: [{ rule: 'APP-CONTEXT', reason: 'r', expires: '2027-01-01' }] })))).rejects.toThrow(/must have required property 'link'/);
    expect(() => checkExpectedFailures({ expectedFailures: [entry({ rule: 'APP-NOPE' })] }, 'x.json', '')).toThrow('x.json: /expectedFailures/0 names no rule of this suite: APP-NOPE');
    expect(() => checkExpectedFailures({ expectedFailures: [entry({ case: 'app/600/mirror/upload' })] }, 'x.json', '')).toThrow('names no case of this suite: app/600/mirror/upload');
  });
});
