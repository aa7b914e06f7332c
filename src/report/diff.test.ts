// The baseline diff on two crafted reports: regressions, fixes, changed observations per code, and
// the gate that exits 1 only when something got worse.
import { describe, expect, test } from 'vitest';
import { baselineExitCode, diffReports, formatDiff } from './diff.js';
import { makeRecord, makeReport } from './test-support.js';

const noRepost = { rule: 'APP-403-NOREPOST', message: 'after 403 the file was posted to the application 1 more time(s)' } as const;

function pair() {
  const old = makeReport([
    makeRecord({ status: 200 }),
    makeRecord({ status: 403 }),
    makeRecord({ status: 403, relay: 'alt-header' }),
    makeRecord({ status: 404, verdict: 'fail' }),
    makeRecord({ status: 503 }),
    makeRecord({ status: 501 }),
  ], { clientVersion: '1.0.0' });
  const now = makeReport([
    makeRecord({ status: 200 }),
    makeRecord({ status: 403, verdict: 'fail', failures: [noRepost], observed: { posts: 2 } }),
    makeRecord({ status: 403, relay: 'alt-header', verdict: 'fail', failures: [noRepost], observed: { posts: 2 } }),
    makeRecord({ status: 404 }),
    makeRecord({ status: 503, verdict: 'warn' }),
    makeRecord({ status: 502, verdict: 'fail' }),
  ], { clientVersion: '1.1.0' });
  return { old, now };
}

describe('diff of two reports', () => {
  test('regressions, fixes, other changes and cases on one side only', () => {
    const { old, now } = pair();
    const diff = diffReports(old, now);
    expect(diff.regressions.map((r) => [r.id, r.from, r.to])).toEqual([
      ['app/403/alt-header/upload', 'pass', 'fail'],
      ['app/403/mirror/upload', 'pass', 'fail'],
      ['app/502/mirror/upload', null, 'fail'], // new and failing: nobody accepted it
    ]);
    expect(diff.fixes.map((r) => [r.id, r.from, r.to])).toEqual([['app/404/mirror/upload', 'fail', 'pass']]);
    expect(diff.otherChanges.map((r) => [r.id, r.from, r.to])).toEqual([['app/503/mirror/upload', 'pass', 'warn']]);
    expect(diff.onlyOld).toEqual(['app/501/mirror/upload']);
    expect(diff.onlyNew).toEqual(['app/502/mirror/upload']);
    expect(diff.observations.find((o) => o.id === 'app/403/mirror/upload')!.changes).toEqual(
      expect.arrayContaining(['posts 1 -> 2', 'broken rules [] -> [APP-403-NOREPOST]']),
    );
  });

  test('printed per code, variants with the same change on one line', () => {
    const { old, now } = pair();
    const text = formatDiff(diffReports(old, now), now);
    expect(text).toContain('diff: crafted client 1.0.0 (bits-conformance 0.1.0) -> crafted client 1.1.0 (bits-conformance 0.1.0)');
    expect(text).toContain('regressions (3):');
    expect(text).toContain('  403: pass -> fail  [APP-403-NOREPOST] after 403 the file was posted to the application 1 more time(s) (all 2 cases)');
    expect(text).toContain('  502: new case -> fail  [APP-CONTEXT]');
    expect(text).toContain('fixes (1):\n  404: fail -> pass (mirror/upload)');
    expect(text).toContain('  403: posts 1 -> 2 (all 2 cases)');
    expect(text).toContain('only in the old report: 1 case(s), e.g. app/501/mirror/upload');
    expect(text.trimEnd().split('\n').at(-1)).toBe('3 regression(s), 1 fix(es), 4 case(s) with changed observations');
  });

  test('the baseline gate: 1 only for regressions; new errors 2; vacuous 3; otherwise 0 even with old failures', () => {
    const { old, now } = pair();
    expect(baselineExitCode(diffReports(old, now), now)).toBe(1);
    const stillFailing = makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 200 })]);
    expect(stillFailing.summary.verdict).toBe('non-conformant');
    expect(baselineExitCode(diffReports(stillFailing, stillFailing), stillFailing)).toBe(0);
    const erroring = makeReport([makeRecord({ status: 404, verdict: 'error' }), makeRecord({ status: 200 })]);
    expect(baselineExitCode(diffReports(stillFailing, erroring), erroring)).toBe(2);
    const runError = makeReport([makeRecord({ status: 200 })], { runErrors: ['suites/x.suite.ts: failed to load'] });
    expect(baselineExitCode(diffReports(stillFailing, runError), runError)).toBe(2);
    const vacuous = makeReport([makeRecord({ status: 404, jobType: 'upload-reply', verdict: 'unsupported' })]);
    expect(baselineExitCode(diffReports(stillFailing, vacuous), vacuous)).toBe(3);
  });

  test('reports run with different rule tables say so', () => {
    const { old, now } = pair();
    const other = { ...now, suite: { ...now.suite, rulesDigest: 'f'.repeat(64) } };
    expect(diffReports(old, other).notes[0]).toMatch(/^the rule tables differ/);
  });
});
