import { describe, expect, test } from 'vitest';
import { statusMatrixCases } from '../harness/cases.js';
import { judge } from '../harness/judge/index.js';
import { judgedRecord } from '../harness/record.js';
import reference from '../harness/reference-client.js';
import { runCase } from '../harness/run-case.js';
import { assertReport, buildReport } from './report.js';
import { EXIT_CODE, describeVerdict, signalExitCode, summarize } from './verdict.js';
import { TRANSCRIPT_HEAD, TRANSCRIPT_TAIL, keptTranscript } from '../harness/record.js';
import { reportJson } from './report.js';
import { toHtml } from './html.js';
import { toJUnitXml } from './junit.js';
import { makeRecord, makeReport } from './test-support.js';
import { problemLines } from './text.js';
import { plainClient } from '../../fixtures/clients/plain-client.js';
import { caseOf, ledgerEntry, observation } from '../harness/judge/test-support.js';

describe('run verdicts and exit codes', () => {
  test.for([
    { verdicts: ['pass', 'pass'], requests: 9, runErrors: 0, verdict: 'conformant', exit: 0 },
    { verdicts: ['pass', 'warn'], requests: 9, runErrors: 0, verdict: 'conformant', exit: 0 },
    { verdicts: ['pass', 'fail', 'error'], requests: 9, runErrors: 0, verdict: 'non-conformant', exit: 1 },
    { verdicts: ['pass', 'error'], requests: 9, runErrors: 0, verdict: 'error', exit: 2 },
    { verdicts: ['pass'], requests: 9, runErrors: 1, verdict: 'error', exit: 2 },
    { verdicts: ['pass', 'fail'], requests: 9, runErrors: 1, verdict: 'error', exit: 2 },
    { verdicts: ['unsupported', 'unsupported'], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
    { verdicts: [], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
    { verdicts: ['fail', 'fail'], requests: 0, runErrors: 0, verdict: 'vacuous', exit: 3 },
    // The client broke the protocol before any case (the hello handshake): that explains why nothing ran.
    { verdicts: [], requests: 0, runErrors: 1, verdict: 'error', exit: 2 },
    // A part of a run is never conformant, however its cases went.
    { verdicts: ['pass', 'pass'], requests: 9, runErrors: 0, interrupted: true, verdict: 'interrupted', exit: 130 },
    { verdicts: [], requests: 0, runErrors: 0, interrupted: true, verdict: 'interrupted', exit: 130 },
    { verdicts: ['pass', 'fail'], requests: 9, runErrors: 1, interrupted: true, verdict: 'interrupted', exit: 130 },
  ] as const)('$verdicts with $requests requests, $runErrors run errors (interrupted: $interrupted) -> $verdict (exit $exit)', (row) => {
    const { verdicts, requests, runErrors, verdict, exit } = row;
    const summary = summarize({ verdicts: [...verdicts], requests, runErrors, interrupted: 'interrupted' in row });
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
      records.push(judgedRecord(c, observation, judge(c, observation), { transcriptWhenPassing: true }));
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
    expect(report.summary).toEqual({ total: 4, pass: 4, fail: 0, warn: 0, xfail: 0, unsupported: 0, error: 0, verdict: 'conformant', completeness: 'full' });
    expect(report.suite.rulesDigest).toMatch(/^[0-9a-f]{64}$/);
    const c = report.cases.find((x) => x.id === 'app/403/mirror/upload')!;
    expect(c.rules).toContain('APP-403-NOREPOST');
    expect(report.rules['APP-403-NOREPOST']).toMatchObject({ statement: expect.stringMatching(/403 is the only code/), sources: ['HSAE', 'PMU'] });
    expect(c.expected.class).toBe('fatal');
    expect(c.replay).toBe('npm start -- --case app/403/mirror/upload');
    expect(c.transcript.filter((e) => e.notification)).toHaveLength(1);
    // The error structured, the code in hex as BITS documents it; each rule with its group, section and sources.
    expect(c.expected.decision).toEqual({ state: 'ERROR', error: { context: 7, code: '0x80190193' } });
    expect(c.observed?.decision).toEqual({ state: 'ERROR', error: { context: 7, code: '0x80190193' } });
    expect(c.rules[0]).toBe('APP-4XX');
    expect(report.rules['APP-4XX']).toMatchObject({ group: 'application-status', section: expect.any(String), sources: ['HSAE'] });
  });

  test('a report that breaks its schema is refused with the path of the problem', () => {
    const good = makeReport([makeRecord()]);
    expect(() => assertReport({ ...good, suite: { ...good.suite, rulesDigest: 'nope' } })).toThrow(/^conformance report: \/suite\/rulesDigest must match pattern "[^"]+"$/);
  });

  test('a case whose only failure is a check that never reached its premise validates (the upload never reached the application)', () => {
    const c = caseOf('app/200/mirror/upload');
    const o = observation({ ledger: [ledgerEntry(1, 'Ping'), ledgerEntry(2, 'Create-Session')] });
    const report = buildReport({ client: { name: 'r', version: '1', transport: 'in-process' }, records: [judgedRecord(c, o, judge(c, o))], runErrors: [], startedAt: new Date(0), finishedAt: new Date(1), replayCommand: (id) => id });
    expect(() => assertReport(report)).not.toThrow();
    expect(report.cases[0]!.failures).toEqual([{ rule: 'APP-SUCCESS', message: expect.stringContaining('never reached the server application') }]);
  });

  test("a fetch client's failure on a relayed 407 says what its fetch did, in the report and in the views", async () => {
    const [c] = statusMatrixCases({ from: 407, to: 407, relays: ['mirror'], jobTypes: ['upload'] });
    const observation = await runCase(c!, plainClient());
    const record = judgedRecord(c!, observation, judge(c!, observation));
    const report = buildReport({ client: { name: 'plain', version: '1', transport: 'in-process' }, records: [record], runErrors: [], startedAt: new Date(0), finishedAt: new Date(1), replayCommand: (id) => id });
    expect(() => assertReport(report)).not.toThrow();
    const [reported] = report.cases;
    expect(reported!.verdict).toBe('fail');
    expect(reported!.transportNotes).toEqual([expect.stringMatching(/^the client's fetch turned the 407 answer to BITS_POST \/upload\/case\.bin \(Fragment\) into a network error/)]);
    expect(problemLines(reported!).at(-1)).toMatch(/^note: the client's fetch turned the 407 answer/);
    expect(toJUnitXml(report)).toContain("note: the client's fetch turned the 407 answer");
  });
});

describe('the report model beyond the judge', () => {
  test('a report from crafted records of every verdict validates', () => {
    const report = makeReport([
      makeRecord({ status: 200, verdict: 'pass', durationMs: 3.5 }),
      makeRecord({ status: 404, verdict: 'fail' }),
      makeRecord({ status: 503, verdict: 'warn' }),
      makeRecord({ status: 500, verdict: 'error' }),
      makeRecord({ status: 404, jobType: 'upload-reply', verdict: 'unsupported' }),
    ]);
    expect(() => assertReport(report)).not.toThrow();
    expect(report.summary).toMatchObject({ total: 5, pass: 1, fail: 1, warn: 1, xfail: 0, unsupported: 1, error: 1, verdict: 'non-conformant' });
    expect(report.cases.find((c) => c.status === 200)!.durationMs).toBe(3.5);
    expect(report.cases.find((c) => c.status === 200)!.expected).not.toHaveProperty('errorCode');
  });

  test('an xfail case must say which entries accepted it', () => {
    const report = makeReport([makeRecord({ status: 404, verdict: 'fail' })]);
    const bad = { ...report, cases: [{ ...report.cases[0]!, verdict: 'xfail' }] };
    expect(() => assertReport(bad)).toThrow(/\/cases\/0 must have required property 'expectedFailure'/);
    const good = { ...bad, cases: [{ ...bad.cases[0]!, expectedFailure: { entries: [{ rule: 'APP-CONTEXT', reason: 'known', link: 'https://example.org/1', expires: '2030-01-01' }] } }] };
    expect(() => assertReport(good)).not.toThrow();
  });

  test('a report written before summary.xfail existed still validates, and reads as xfail 0', () => {
    const report = makeReport([makeRecord({ verdict: 'pass' })]);
    const { xfail: _dropped, ...older } = report.summary;
    expect(assertReport(JSON.parse(JSON.stringify({ ...report, summary: older }))).summary.xfail).toBe(0);
  });

  test('accepted failures make a run partial, and the verdict as people read it counts them', () => {
    expect(describeVerdict(summarize({ verdicts: ['pass', 'xfail', 'xfail'], requests: 3, runErrors: 0 }))).toBe('partial: no failure in the 3 cases that ran, not a conformance verdict (2 failures accepted as expected (--expect-fail))');
    expect(describeVerdict(summarize({ verdicts: ['pass'], requests: 3, runErrors: 0 }))).toBe('conformant');
    expect(describeVerdict(summarize({ verdicts: ['fail', 'xfail'], requests: 3, runErrors: 0 }))).toBe('non-conformant (a partial run: 1 failure accepted as expected (--expect-fail))');
    expect(summarize({ verdicts: ['xfail', 'fail'], requests: 3, runErrors: 0 })).toMatchObject({ fail: 1, xfail: 1, verdict: 'non-conformant' });
  });
});

describe('an interrupted run', () => {
  test('exits as the signal asks, and says so wherever the verdict is read', () => {
    expect([signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([130, 143]);
    const report = buildReport({
      client: { name: 'c', version: '1', transport: 'in-process' },
      records: [makeRecord({ verdict: 'pass' })],
      runErrors: [],
      interrupted: { signal: 'SIGTERM', at: '2026-01-02T03:04:06.000Z' },
      startedAt: new Date('2026-01-02T03:04:05.000Z'),
      finishedAt: new Date('2026-01-02T03:04:07.000Z'),
      replayCommand: (id) => id,
    });
    expect(assertReport(report)).toMatchObject({ interrupted: { signal: 'SIGTERM' }, summary: { verdict: 'interrupted', pass: 1 } });
    expect(describeVerdict(report.summary)).toBe('interrupted (a partial run: no conformance verdict)');
  });
});

describe('a client looping on requests', () => {
  function looping(requests: number) {
    const record = makeRecord({ status: 503, verdict: 'fail' });
    const entry = record.transcript[0]!;
    const ledger = Array.from({ length: requests }, (_, i) => ({ ...entry, seq: i + 1, t: i }));
    return makeReport([{ ...record, ...keptTranscript(ledger) }]);
  }

  test('keeps the first and the last requests of a case, and counts the ones left out', () => {
    const report = looping(10_000);
    const c = report.cases[0]!;
    expect(c.transcript).toHaveLength(TRANSCRIPT_HEAD + TRANSCRIPT_TAIL);
    expect(c.transcript.map((e) => e.seq).slice(TRANSCRIPT_HEAD - 1, TRANSCRIPT_HEAD + 1)).toEqual([TRANSCRIPT_HEAD, 10_000 - TRANSCRIPT_TAIL + 1]);
    expect(c.requestsLeftOut).toBe(10_000 - TRANSCRIPT_HEAD - TRANSCRIPT_TAIL);
    expect(assertReport(report).cases[0]!.requestsLeftOut).toBe(9_750);
    expect(keptTranscript(looping(1).cases[0]!.transcript)).toEqual({ transcript: looping(1).cases[0]!.transcript });
  });

  test('the report no longer grows with the requests', () => {
    const size = (n: number) => reportJson(looping(n)).length;
    // Only the digits of the kept requests' numbers and times grow (the last 50 are numbered near 100,000).
    expect(size(100_000) - size(1_000)).toBeLessThan(500);
  });

  test('HTML and JUnit say how many requests were left out', () => {
    const report = looping(1_000);
    expect(toHtml(report)).toContain('"lo":[750,200]');
    expect(toJUnitXml(report)).toContain('750 requests left out (the report keeps the first 200 and the last 50 of a case)');
  });
});

describe('what a case keeps of its requests', () => {
  test('a passing case keeps its states and how many requests it made, not the requests; a failing one keeps them; a replay keeps them', async () => {
    const [c] = statusMatrixCases({ from: 404, to: 404, relays: ['mirror'], jobTypes: ['upload'] });
    const observation = await runCase(c!, reference);
    const passing = judge(c!, observation);
    expect(passing.verdict).toBe('pass');
    const kept = judgedRecord(c!, observation, passing);
    expect([kept.transcript, kept.requestsLeftOut, kept.states.length > 0]).toEqual([[], observation.ledger.length, true]);
    expect(judgedRecord(c!, observation, passing, { transcriptWhenPassing: true }).transcript).toEqual(observation.ledger);
    const failing = { ...passing, verdict: 'fail' as const, failures: [{ rule: 'APP-4XX' as const, message: 'as if it had failed' }] };
    expect(judgedRecord(c!, observation, failing)).toMatchObject({ transcript: observation.ledger });
    expect(judgedRecord(c!, observation, failing)).not.toHaveProperty('requestsLeftOut');

    const report = buildReport({ client: { name: 'r', version: '1', transport: 'in-process' }, records: [kept], runErrors: [], startedAt: new Date(0), finishedAt: new Date(1), replayCommand: (id) => id });
    expect(assertReport(report).summary).toMatchObject({ pass: 1 });
    expect(report.summary.verdict).toBe('conformant'); // its requests count, though not kept: not vacuous
    expect(toHtml(report)).toContain(`"lo":[${observation.ledger.length},${TRANSCRIPT_HEAD}]`);
  });
});
