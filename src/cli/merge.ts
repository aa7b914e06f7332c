// `merge`: the reports of every shard of one run (--shard 1/n ... n/n) combined into one report, with
// the verdicts, summary and exit code of one unsharded run. Reports that do not belong together are
// refused with one line: another suite, rule table, client, selection or option set, a shard missing
// or repeated, or a report whose digest no longer matches its content.
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { prepareOutputs, writeOutputs } from '../report/publish.js';
import { parseInputJson, readInputText, removeStaleTemporaries, ReportInputError } from '../report/files.js';
import { checkOutputFolder, lockOutputs } from '../report/output-lock.js';
import { assertReport, requestCount, type BaselineOutcome, type ConformanceReport, type ExpectedFailuresOutcome, type ReportCase } from '../report/report.js';
import { SchemaError } from '../schema/ajv.js';
import { isReportV1 } from '../report/report-v1.js';
import { reportDigest, sealReport } from '../report/sign.js';
import { EXIT_CODE, describeVerdict, summarize } from '../report/verdict.js';
import type { CaseSelection } from '../harness/selection.js';
import { flagName, RECORDED_KEYS } from './option-table.js';

export interface LoadedShard {
  file: string;
  report: ConformanceReport;
}

async function loadShard(file: string): Promise<LoadedShard> {
  const data = parseInputJson(await readInputText(file, 'report'), file, 'report');
  // Before validation, which fills in defaults: the digest is over the bytes as written.
  const digest = data && typeof data === 'object' ? reportDigest(data) : '';
  // A version 1 report lacks what a merged report must carry (report-v1.ts): it cannot be a shard.
  if (isReportV1(data)) throw new ReportInputError(`merge: ${file} is a version 1 report; merge combines shards written by this version (run that shard again)`);
  let report: ConformanceReport;
  try {
    report = assertReport(data);
  } catch (error) {
    if (error instanceof SchemaError) throw new ReportInputError(`merge: ${file} does not follow the report schema: ${error.message.replace(/^conformance report: /, '')}`);
    throw error;
  }
  // A part of a shard would pass for the whole shard once merged.
  if (report.interrupted) throw new ReportInputError(`merge: ${file} is the report of an interrupted run (${report.interrupted.signal}): run that shard again`);
  // A shard changed after it was written must not slip into a merged, re-sealed report.
  if (report.integrity && digest !== report.integrity.digest) {
    throw new ReportInputError(`merge: ${file} was changed after it was written (its digest does not match its content)`);
  }
  return { file, report };
}

function withoutShard(selection: CaseSelection | undefined): CaseSelection | undefined {
  if (!selection) return undefined;
  const { shard: _shard, ...rest } = selection;
  return Object.keys(rest).length ? rest : undefined;
}

/** What must be equal across shards, with the words for the one-line refusal. */
function identity(r: ConformanceReport): [string, unknown][] {
  const { selection, ...judging } = r.options ?? {};
  return [
    ['suite', { name: r.suite.name, version: r.suite.version }],
    ['rule table (rulesDigest)', r.suite.rulesDigest],
    ['client', { name: r.client.name, version: r.client.version, transport: r.client.transport, capabilities: r.client.capabilities ?? {} }],
    ['case selection', withoutShard(selection) ?? {}],
    [`options (${RECORDED_KEYS.map(flagName).join(', ')})`, judging],
    ['expected-failures list', r.expectedFailures?.sha256 ?? null],
    ['baseline', r.baseline?.sha256 ?? null],
  ];
}

const brief = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 16) : JSON.stringify(value));

/** Checks that the reports are the complete set of shards of one run; throws one line otherwise. */
export function checkShards(shards: LoadedShard[]): { count: number } {
  const [first, ...others] = shards;
  if (!first) throw new ReportInputError('merge needs at least one report');
  const reference = identity(first.report);
  for (const other of others) {
    const mine = identity(other.report);
    reference.forEach(([what, value], i) => {
      if (!isDeepStrictEqual(value, mine[i]![1])) throw new ReportInputError(`merge: ${other.file} has another ${what} than ${first.file}: ${brief(mine[i]![1])} vs ${brief(value)}`);
    });
  }
  const shardOf = (s: LoadedShard) => s.report.options?.selection?.shard;
  const unsharded = shards.find((s) => !shardOf(s));
  if (unsharded) throw new ReportInputError(`merge: ${unsharded.file} is not a shard (run with --shard i/n); merge combines the shards of one run`);
  const count = shardOf(first)!.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    const shard = shardOf(s)!;
    if (shard.count !== count) throw new ReportInputError(`merge: ${s.file} is shard ${shard.index}/${shard.count}, ${first.file} is one of ${count}`);
    const twice = seen.get(shard.index);
    if (twice) throw new ReportInputError(`merge: shard ${shard.index}/${count} given twice: ${twice} and ${s.file}`);
    seen.set(shard.index, s.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new ReportInputError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: a merged report must cover the whole run`);
  const ids = new Map<string, string>();
  for (const s of shards) {
    for (const c of s.report.cases) {
      const other = ids.get(c.id);
      if (other) throw new ReportInputError(`merge: case ${c.id} is in both ${other} and ${s.file}`);
      ids.set(c.id, s.file);
    }
  }
  return { count };
}

const STATUS_RANK = { expired: 3, applied: 2, 'now-passes': 1, unmatched: 0 } as const;

/** Each entry's outcome over the whole run: the strongest status any shard saw, and all its cases. */
function mergeExpectedFailures(outcomes: ExpectedFailuresOutcome[]): ExpectedFailuresOutcome | undefined {
  const [first] = outcomes;
  if (!first) return undefined;
  return {
    ...first,
    entries: first.entries.map((entry, i) => {
      const all = outcomes.map((o) => o.entries[i]!);
      const status = all.map((e) => e.status).sort((a, b) => STATUS_RANK[b] - STATUS_RANK[a])[0]!;
      return { ...entry, status, cases: [...new Set(all.filter((e) => e.status === status).flatMap((e) => e.cases))] };
    }),
  };
}

function mergeBaseline(outcomes: BaselineOutcome[]): BaselineOutcome | undefined {
  const [first] = outcomes;
  if (!first) return undefined;
  const union = (key: 'regressions' | 'fixes' | 'newErrors'): string[] => [...new Set(outcomes.flatMap((o) => o[key]))].sort();
  return { ...first, regressions: union('regressions'), fixes: union('fixes'), newErrors: union('newErrors') };
}

/** One report from the shards of a run (checked with checkShards first). */
export function mergeReports(shards: LoadedShard[]): ConformanceReport {
  const reports = shards.map((s) => s.report);
  const first = reports[0]!;
  const cases: ReportCase[] = reports.flatMap((r) => r.cases).sort((a, b) => a.status - b.status || a.id.localeCompare(b.id));
  const runErrors = [...new Set(reports.flatMap((r) => r.runErrors ?? []))];
  const startedAt = reports.map((r) => r.startedAt).sort()[0]!;
  const finishedAt = reports.map((r) => r.finishedAt).sort().at(-1)!;
  const selection = withoutShard(first.options?.selection);
  const { selection: _s, ...judging } = first.options ?? {};
  const options = { ...(selection ? { selection } : {}), ...judging };
  const expectedFailures = mergeExpectedFailures(reports.flatMap((r) => (r.expectedFailures ? [r.expectedFailures] : [])));
  const baseline = mergeBaseline(reports.flatMap((r) => (r.baseline ? [r.baseline] : [])));
  const { integrity: _i, ...rest } = first;
  return {
    ...rest,
    startedAt,
    finishedAt,
    wallTimeMs: Date.parse(finishedAt) - Date.parse(startedAt),
    ...(runErrors.length ? { runErrors } : { runErrors: undefined }),
    runId: randomUUID(), // the merged set is a report set of its own
    // The shards together are the run they were cut from: partial only for what that run was.
    summary: summarize({ verdicts: cases.map((c) => c.verdict), requests: requestCount(cases), runErrors: runErrors.length, coverage: { options } }),
    ...(expectedFailures ? { expectedFailures } : {}),
    ...(Object.keys(options).length ? { options } : { options: undefined }),
    ...(baseline ? { baseline } : {}),
    cases,
  };
}

/** The exit code of the merged run: the verdict's, or the baseline gate's when the shards had one. */
export function mergedExitCode(report: ConformanceReport): number {
  const s = report.summary;
  if (!report.baseline) return EXIT_CODE[s.verdict];
  if (s.verdict === 'vacuous') return EXIT_CODE.vacuous;
  if (report.baseline.regressions.length) return EXIT_CODE['non-conformant'];
  if (report.baseline.newErrors.length || report.runErrors?.length) return EXIT_CODE.error;
  return EXIT_CODE.conformant;
}

/** Drops keys set to undefined, so the merged report validates and serializes like a written one. */
function clean<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export async function mergeCommand(files: string[], options: { out: string; formats?: string | undefined; sign?: string | undefined }, write: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const outputs = await prepareOutputs({ out: options.out, ...(options.formats ? { formats: options.formats } : {}), ...(options.sign ? { sign: options.sign } : {}) });
  checkOutputFolder(outputs.dir, options.out);
  const shards: LoadedShard[] = [];
  for (const file of files) shards.push(await loadShard(file));
  const { count } = checkShards(shards);
  const merged = sealReport(assertReport(clean(mergeReports(shards))), outputs.signingKey);
  const lock = await lockOutputs(outputs.dir); // as `run`: one writer per folder
  let written: Awaited<ReturnType<typeof writeOutputs>>;
  try {
    await removeStaleTemporaries(outputs.dir);
    written = await writeOutputs(merged, outputs.dir, outputs.formats);
  } finally {
    await lock.release();
  }
  const s = merged.summary;
  write(`merged ${count} shard${count === 1 ? '' : 's'} of ${merged.client.name} ${merged.client.version}: ${s.total} cases`);
  write(`cases: ${s.total}  pass: ${s.pass}  fail: ${s.fail}  warn: ${s.warn}${s.xfail ? `  xfail: ${s.xfail}` : ''}  unsupported: ${s.unsupported}  error: ${s.error}`);
  write(`verdict: ${describeVerdict(s)}`);
  if (merged.integrity?.signature) write(`signed (ed25519) by ${merged.integrity.signature.keyId}`);
  for (const format of outputs.formats) {
    const file = written[format];
    if (file) write(`report: ${relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)}`);
  }
  return mergedExitCode(merged);
}
