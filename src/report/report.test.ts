import { describe, expect, test } from 'vitest';
import { statusMatrixCases } from '../harness/cases.js';
import { judge } from '../harness/judge.js';
import { judgedRecord } from '../harness/record.js';
import reference from '../harness/reference-client.js';
import { runCase } from '../harness/run-case.js';
import { assertReport, buildReport } from './report.js';
import { EXIT_CODE, summarize } from './verdict.js';

describe('run verdicts and exit codes', () => {
  test.for([
    { verdicts: ['pass', 'pass'], requests: 9, runErrors: 0, verdict: 'conformant', exit: 0 },
    { verdicts: ['pass', 'warn'], requests: 9, runErrors: 0, verdict: 'conformant', exit: 0 },
    { verdicts: ['pass', 'fail', 'error'], requests: 9, runErrors: 0, verdict: 'non-conformant', exit: 1 },
    { verdicts: ['pass', 'error'], requests: 9, runErrors: 0, verdict: 'error', exit: 2 },
    { verdicts: ['pass'], requests: 9, runErrors: 1, verdict: 'error', exit: 2 },
    { verdicts: ['unsupported', 'unsupported'], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
    { verdicts: [], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
    { verdicts: ['fail', 'fail'], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
  ] as const)('$verdicts with $requests requests -> $verdict (exit $exit)', ({ verdicts, requests, runErrors, verdict, exit }) => {
    const summary = summarize({ verdicts: [...verdicts], requests, runErrors });
    expect(summary.verdict).toBe(verdict);
    expect(EXIT_CODE[summary.verdict]).toBe(exit);
    expect(summary.total).toBe(verdicts.length);
  });
});

describe('the conformance report', () => {
  test('a report built from real judged cases validates against its schema', async () => {
    const records = [];
    for (const c of statusMatrixCases({ from: 403, to: 404, relays: ['mirror'] })) {
      const observation = await runCase(c, reference);
      records.push(judgedRecord(c, observation, judge(c, observation)));
    }
    const report = buildReport({
      client: { name: reference.name, version: reference.version, transport: 'in-process' },
      records,
      runErrors: [],
      startedAt: new Date(0),
      finishedAt: new Date(1500),
      replayCommand: (id) => `npm start -- --case ${id}`,
    });
    expect(() => assertReport(report)).not.toThrow();
    expect(report.summary).toEqual({ total: 4, pass: 4, fail: 0, warn: 0, unsupported: 0, error: 0, verdict: 'conformant' });
    expect(report.suite.rulesDigest).toMatch(/^[0-9a-f]{64}$/);
    const c = report.cases.find((x) => x.id === 'app/403/mirror/upload')!;
    expect(c.rules.find((r) => r.id === 'APP-403-NOREPOST')?.statement).toMatch(/403 is the only code/);
    expect(c.expected.class).toBe('fatal');
    expect(c.replay).toBe('npm start -- --case app/403/mirror/upload');
    expect(c.transcript.filter((e) => e.notification)).toHaveLength(1);
  });

  test('a report that breaks its schema is refused with the path of the problem', () => {
    const bad = { reportVersion: 1, suite: { name: 'x', version: '1', rulesDigest: 'nope' } };
    expect(() => assertReport(bad)).toThrow(/conformance report: .*\/suite\/rulesDigest must match pattern/);
  });
});
