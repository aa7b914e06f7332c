// What `run` does with a built report: accept listed failures (--expect-fail), compare with a
// baseline (--baseline), seal it (digest, and --sign), and write the chosen formats atomically into
// --out. Every input is read and checked before the suite runs (prepareOutputs), so a bad file costs
// one line and exit 2, not a 25-second run first.
import { createHash, type KeyObject } from 'node:crypto';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { baselineExitCode, diffReports } from './diff.js';
import { commitTemporary, projectPath, writeTemporary } from './files.js';
import { assertReport, loadReport, prepareReportSchema, reportJson, type ConformanceReport } from './report.js';
import { loadSigningKey, sealReport } from './sign.js';
import { EXIT_CODE } from './verdict.js';
import { applyExpectedFailures, expectedFailureWarnings, loadExpectedFailures, type ExpectedFailureList } from './xfail.js';

export type ReportFormat = 'json' | 'junit' | 'html' | 'md';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html', 'md'];

/** The file each format is written to, inside --out. */
export const REPORT_FILES: Record<ReportFormat, string> = { json: 'conformance.json', junit: 'junit.xml', html: 'conformance.html', md: 'summary.md' };

type Writer = (report: ConformanceReport) => string;

// The views load when a run first needs them, or earlier when it asks (loadWriters, while its cases run):
// a run's start does not wait for modules it uses only at its end.
const WRITERS: Record<ReportFormat, () => Promise<Writer>> = {
  json: () => Promise.resolve(reportJson),
  junit: async () => (await import('./junit.js')).toJUnitXml,
  html: async () => (await import('./html.js')).toHtml,
  md: async () => (await import('./markdown.js')).toMarkdownSummary,
};

/**
 * Loads the writers of these formats and compiles the report schema; resolves when they are ready (never
 * rejects: a failure is reported where the report is checked and written).
 */
export function loadWriters(formats: readonly ReportFormat[]): Promise<void> {
  return Promise.all(formats.map((f) => WRITERS[f]())).then(
    () => {
      try {
        prepareReportSchema();
      } catch {
        // assertReport compiles it again and says what is wrong.
      }
    },
    () => undefined,
  );
}

export class FormatError extends Error {}

/** `json,junit` -> ['json', 'junit']; unknown names are refused with the list of known ones. */
export function parseFormats(text: string | undefined): ReportFormat[] {
  if (text === undefined) return [...REPORT_FORMATS];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (unknown.length || !names.length) throw new FormatError(`--format takes a comma-separated list of ${REPORT_FORMATS.join(', ')}; got '${text}'`);
  return [...new Set(names as ReportFormat[])];
}

export interface OutputOptions {
  out: string;
  formats?: string;
  baseline?: string;
  expectFail?: string;
  sign?: string;
}

export interface PreparedOutputs {
  dir: string;
  formats: ReportFormat[];
  baseline?: { file: string; sha256: string; report: ConformanceReport };
  expectedFailures?: ExpectedFailureList;
  signingKey?: KeyObject;
}

export async function prepareOutputs(options: OutputOptions): Promise<PreparedOutputs> {
  const prepared: PreparedOutputs = { dir: resolve(options.out), formats: parseFormats(options.formats) };
  if (options.baseline) {
    const report = await loadReport(options.baseline, 'baseline report');
    const sha256 = report.integrity?.digest ?? createHash('sha256').update(await readFile(options.baseline)).digest('hex');
    prepared.baseline = { file: projectPath(options.baseline), sha256, report };
  }
  if (options.expectFail) prepared.expectedFailures = await loadExpectedFailures(options.expectFail);
  if (options.sign) prepared.signingKey = await loadSigningKey(options.sign);
  return prepared;
}

export interface PublishedReport {
  report: ConformanceReport;
  files: Partial<Record<ReportFormat, string>>;
  exitCode: number;
  /** Lines for the console: expected-failure problems, regressions, the signature. */
  notes: string[];
}

/** The final report from a built one: expected failures, baseline, digest and signature. */
export function finishReport(built: ConformanceReport, prepared: Omit<PreparedOutputs, 'dir' | 'formats'>, now: Date = new Date()): { report: ConformanceReport; exitCode: number; notes: string[] } {
  let report = prepared.expectedFailures ? applyExpectedFailures(built, prepared.expectedFailures, now) : built;
  const notes = expectedFailureWarnings(report.expectedFailures);
  let exitCode = EXIT_CODE[report.summary.verdict];
  if (prepared.baseline) {
    const diff = diffReports(prepared.baseline.report, report);
    exitCode = baselineExitCode(diff, report);
    report = {
      ...report,
      baseline: {
        file: prepared.baseline.file,
        sha256: prepared.baseline.sha256,
        regressions: diff.regressions.map((r) => r.id),
        fixes: diff.fixes.map((r) => r.id),
        newErrors: diff.newErrors.map((r) => r.id),
      },
    };
    notes.push(`baseline ${prepared.baseline.file}: ${diff.regressions.length} regression(s), ${diff.fixes.length} fix(es), ${diff.newErrors.length} new error(s); exit code from the baseline gate: ${exitCode}`);
    for (const r of diff.regressions.slice(0, 10)) notes.push(`  REGRESSION ${r.id}: ${r.from ?? 'new case'} -> ${r.to}${r.now ? ` ${r.now}` : ''}`);
    if (diff.regressions.length > 10) notes.push(`  ... and ${diff.regressions.length - 10} more regression(s)`);
  }
  report = sealReport(report, prepared.signingKey);
  if (report.integrity?.signature) notes.push(`signed (ed25519) by ${report.integrity.signature.keyId}`);
  return { report, exitCode, notes };
}

/**
 * Validates the report, then writes each chosen format atomically; appends summary.md to GitHub's job
 * summary. Every file is written to a temporary first, and only then are they renamed into place,
 * conformance.json last: a writer killed on the way leaves the previous JSON beside views that carry
 * another run id (`runId`), never a JSON without its views, and its temporaries are removed by the next
 * run (removeStaleTemporaries).
 */
export async function writeOutputs(report: ConformanceReport, dir: string, formats: readonly ReportFormat[], env: NodeJS.ProcessEnv = process.env): Promise<Partial<Record<ReportFormat, string>>> {
  assertReport(report); // even when JSON is not among the formats: the other views claim the same data
  const staged: { format: ReportFormat; file: string; temporary: string; content: string }[] = [];
  try {
    for (const format of [...formats].sort((a, b) => Number(a === 'json') - Number(b === 'json'))) {
      const file = join(dir, REPORT_FILES[format]);
      const content = (await WRITERS[format]())(report);
      staged.push({ format, file, temporary: await writeTemporary(file, content), content });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temporary, { force: true })));
    throw error;
  }
  const files: Partial<Record<ReportFormat, string>> = {};
  for (const { format, file, temporary, content } of staged) {
    await commitTemporary(temporary, file);
    files[format] = file;
    if (format === 'md' && env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, content);
  }
  // In the order asked for, as before.
  return Object.fromEntries(formats.map((f) => [f, files[f]!])) as Partial<Record<ReportFormat, string>>;
}

export async function publishReport(built: ConformanceReport, prepared: PreparedOutputs, now: Date = new Date()): Promise<PublishedReport> {
  const { report, exitCode, notes } = finishReport(built, prepared, now);
  const files = await writeOutputs(report, prepared.dir, prepared.formats);
  return { report, files, exitCode, notes };
}
