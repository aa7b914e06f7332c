// merge: shards of one run become one report with the verdicts of an unsharded run; anything that does
// not belong together is refused with one line.
import { describe, expect, test } from 'vitest';
import { checkShards, mergedExitCode, mergeReports, type LoadedShard } from './merge.js';
import { makeRecord, makeReport } from '../report/test-support.js';
import { applyExpectedFailures } from '../report/xfail.js';
import { assertReport, type ConformanceReport } from '../report/report.js';
import { sealReport } from '../report/sign.js';
import { shardOf } from '../harness/selection.js';

const STATUSES = [400, 401, 403, 404, 405, 408, 409, 429];

function records() {
  return STATUSES.map((status) => makeRecord({ status, verdict: status === 429 ? 'fail' : 'pass' }));
}

function shardReports(count: number, edit: (r: ConformanceReport, index: number) => ConformanceReport = (r) => r): LoadedShard[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    const mine = records().filter((r) => shardOf(r.id, count) === index);
    const report = makeReport(mine);
    return { file: `shard-${index}.json`, report: edit({ ...report, options: { selection: { codes: [[400, 499]], shard: { index, count } } } }, index) };
  });
}

describe('merge', () => {
  test('the merged report has the verdicts and summary of the unsharded run', () => {
    const shards = shardReports(3);
    expect(checkShards(shards)).toEqual({ count: 3 });
    const merged = assertReport(JSON.parse(JSON.stringify(mergeReports(shards))));
    const whole = makeReport(records(), { runOptions: { selection: { codes: [[400, 499]] } } });
    expect(merged.cases.map((c) => [c.id, c.verdict])).toEqual(whole.cases.map((c) => [c.id, c.verdict]));
    // Partial for the selection the run had, not for being cut into shards.
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.summary.partial).toEqual([{ reason: 'selection', detail: 'a selection of the cases: --codes 400-499' }]);
    expect(merged.options).toEqual({ selection: { codes: [[400, 499]] } });
    expect(merged.integrity).toBeUndefined();
    expect(mergedExitCode(merged)).toBe(1);
  });

  test.for([
    ['another client', (r: ConformanceReport, i: number) => (i === 2 ? { ...r, client: { ...r.client, version: '2.0.0' } } : r), /^merge: shard-2.json has another client than shard-1.json: /],
    ['another rule table', (r: ConformanceReport, i: number) => (i === 2 ? { ...r, suite: { ...r.suite, rulesDigest: 'f'.repeat(64) } } : r), 'has another rule table (rulesDigest) than shard-1.json: ffffffffffffffff vs'],
    ['another selection', (r: ConformanceReport, i: number) => (i === 2 ? { ...r, options: { selection: { codes: [[400, 450]], shard: { index: 2, count: 3 } } } } : r), 'has another case selection than shard-1.json'],
    ['another option', (r: ConformanceReport, i: number) => (i === 3 ? { ...r, options: { ...r.options, strict: true } } : r), 'shard-3.json has another options (--strict, --interpretations-off, --bail, --timeout-multiplier)'],
    ['a shard twice', (r: ConformanceReport, i: number) => (i === 3 ? { ...r, options: { selection: { codes: [[400, 499]], shard: { index: 2, count: 3 } } } } : r), 'merge: shard 2/3 given twice: shard-2.json and shard-3.json'],
    ['another shard count', (r: ConformanceReport, i: number) => (i === 3 ? { ...r, options: { selection: { codes: [[400, 499]], shard: { index: 3, count: 4 } } } } : r), 'merge: shard-3.json is shard 3/4, shard-1.json is one of 3'],
    ['not a shard', (r: ConformanceReport, i: number) => (i === 1 ? { ...r, options: { selection: { codes: [[400, 499]] } } } : r), 'merge: shard-1.json is not a shard (run with --shard i/n)'],
  ] as [string, (r: ConformanceReport, i: number) => ConformanceReport, string | RegExp][])('refuses %s with one line', ([, edit, message]) => {
    expect(() => checkShards(shardReports(3, edit))).toThrow(message);
  });

  test('refuses a missing shard', () => {
    expect(() => checkShards(shardReports(3).slice(0, 2))).toThrow('merge: shard 3/3 missing: a merged report must cover the whole run');
  });

  test('expected failures: an entry is applied if any shard applied it, with all its cases', () => {
    const list = { file: '/x/expected.json', sha256: 'a'.repeat(64), entries: [{ case: 'app/429/mirror/upload', reason: 'r', link: 'https://example.org/1', expires: '2999-01-01' }] };
    const shards = shardReports(2, (r) => applyExpectedFailures(r, list));
    checkShards(shards);
    const merged = mergeReports(shards);
    expect(merged.expectedFailures!.entries[0]).toMatchObject({ status: 'applied', cases: ['app/429/mirror/upload'] });
    expect(merged.summary).toMatchObject({ fail: 0, xfail: 1, verdict: 'partial' }); // accepted failures: never conformant
  });

  test('sealed shards keep their digests out of the merged report', () => {
    const shards = shardReports(2, (r) => sealReport(r));
    expect(mergeReports(shards).integrity).toBeUndefined();
  });
});
