// A run that is not the whole suite judged in full is `partial` wherever it is read: never `conformant`.
import { describe, expect, test } from 'vitest';
import { assertReport, reportJson, type RunOptionsRecord } from './report.js';
import { toHtml } from './html.js';
import { toJUnitXml } from './junit.js';
import { toMarkdownSummary } from './markdown.js';
import { makeRecord, makeReport } from './test-support.js';
import { EXIT_CODE } from './verdict.js';

const passing = () => [makeRecord({ status: 403 }), makeRecord({ status: 429 })];

describe('partial runs', () => {
  test.for([
    ['a selection', { selection: { codes: [[403, 403], [429, 429]] } }, 'selection', 'a selection of the cases: --codes 403,429'],
    ['a shard', { selection: { shard: { index: 2, count: 3 } } }, 'shard', 'shard 2/3 of the cases (merge every shard for the whole run)'],
    ['interpretations off', { interpretationsOff: ['JOB-FINAL-QUIET'] }, 'interpretations-off', 'interpretations not judged: JOB-FINAL-QUIET'],
  ] as [string, RunOptionsRecord, string, string][])('%s: partial, exit 0, and every view says why', ([, options, reason, detail]) => {
    const report = makeReport(passing(), { runOptions: options });
    expect(report.summary).toMatchObject({ verdict: 'partial', completeness: 'partial', partial: [{ reason, detail }] });
    expect(EXIT_CODE[report.summary.verdict]).toBe(0);
    const said = `partial: no failure in the 2 cases that ran, not a conformance verdict (${detail})`;
    expect(toMarkdownSummary(report)).toMatch(new RegExp(`^## BITS conformance: ◐ ${said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    const junit = toJUnitXml(report);
    expect(junit).toContain(`<testsuites name="bits-conformance 0.1.0 against crafted client 1.0.0 (partial run)"`);
    expect(junit).toContain(`<property name="run.completeness" value="partial: ${detail}"/>`);
    expect(toHtml(report)).toContain(`<p class="verdict r-partial">${said}</p>`);
    // No view of a partial run says conformant (the stylesheet names every verdict's class, so it is left out).
    for (const view of [reportJson(report), junit, toMarkdownSummary(report), toHtml(report).replace(/<style>[\s\S]*?<\/style>/, '')]) {
      expect(view).not.toMatch(/(?<!non-)\bconformant\b/);
    }
  });

  test('a full run with no failure is conformant; a failing selection stays non-conformant and says it is partial', () => {
    expect(makeReport(passing()).summary).toMatchObject({ verdict: 'conformant', completeness: 'full' });
    expect(makeReport(passing()).summary.partial).toBeUndefined();
    const failing = makeReport([makeRecord({ status: 404, verdict: 'fail' })], { runOptions: { selection: { codes: [[404, 404]] } } });
    expect(failing.summary).toMatchObject({ verdict: 'non-conformant', completeness: 'partial' });
    expect(toMarkdownSummary(failing)).toMatch(/^## BITS conformance: ❌ non-conformant \(a partial run: a selection of the cases: --codes 404\)\n/);
  });

  test('--bail is a reason only when it stopped the run', () => {
    expect(makeReport(passing(), { runOptions: { bail: true } }).summary).toMatchObject({ verdict: 'conformant', completeness: 'full' });
    expect(makeReport([makeRecord({ status: 404, verdict: 'fail' })], { runOptions: { bail: true } }).summary.partial).toEqual([{ reason: 'bail', detail: 'stopped after the first case that did not pass (--bail)' }]);
  });

  test('a report written before completeness existed is read in today\'s terms: a selection that said conformant reads partial', () => {
    const report = makeReport(passing(), { runOptions: { selection: { codes: [[403, 403], [429, 429]] } } });
    const { completeness: _c, partial: _p, ...older } = report.summary;
    const read = assertReport(JSON.parse(JSON.stringify({ ...report, summary: { ...older, verdict: 'conformant' } })));
    expect(read.summary).toMatchObject({ verdict: 'partial', completeness: 'partial', partial: [{ reason: 'selection' }] });
    const full = makeReport(passing());
    const { completeness: _f, ...olderFull } = full.summary;
    expect(assertReport(JSON.parse(JSON.stringify({ ...full, summary: olderFull }))).summary).toMatchObject({ verdict: 'conformant', completeness: 'full' });
  });
});
