// The report sub-commands of the CLI: `diff <old.json> <new.json>` and `verify <report.json> [--key]`.
// Exit codes: diff 0 no regression, 1 regressions or lost coverage (cases only in the old report); verify 0 verified, 1 not verified; both 2 for
// bad input (ReportInputError: a missing file, bad JSON, a schema violation, a bad key).
import { diffExitCode, diffReports, formatDiff } from './diff.js';
import { readInputBytes, ReportInputError } from './files.js';
import { loadReport, readReport } from './report.js';
import { isReportV1 } from './report-v1.js';
import { SchemaError } from '../schema/ajv.js';
import { loadVerifyingKey, verifyReportBytes } from './sign.js';
import { describeVerdict } from './verdict.js';

export async function diffCommand(files: string[], options: { json?: boolean; allowLostCoverage?: boolean } = {}): Promise<number> {
  if (files.length !== 2) throw new ReportInputError('diff needs two report files: bits-conformance diff <old.json> <new.json>');
  const [oldFile, newFile] = files as [string, string];
  const oldReport = await loadReport(oldFile, 'old report');
  const newReport = await loadReport(newFile, 'new report');
  const diff = diffReports(oldReport, newReport);
  const allowLostCoverage = options.allowLostCoverage === true;
  process.stdout.write(options.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff, newReport, { allowLostCoverage }));
  return diffExitCode(diff, { allowLostCoverage });
}

export async function verifyCommand(files: string[], options: { key?: string } = {}): Promise<number> {
  if (files.length !== 1) throw new ReportInputError('verify needs one report file: bits-conformance verify <report.json> [--key <public key PEM>]');
  const file = files[0]!;
  const key = options.key ? await loadVerifyingKey(options.key) : undefined;
  const result = verifyReportBytes(await readInputBytes(file, 'report'), file, key);
  if (!result.verified) {
    console.log(`NOT VERIFIED: ${file}`);
    for (const problem of result.problems) console.log(`  ${problem}`);
    return 1;
  }
  // Intact; now it must also be a report this suite can read.
  try {
    const report = readReport(result.parsed);
    console.log(`verified: ${file}`);
    for (const check of result.checks) console.log(`  ${check}`);
    if (isReportV1(result.parsed)) console.log('  report version 1 (read in version 2 terms)');
    console.log(`  ${report.suite.name} ${report.suite.version} (rules ${report.suite.rulesDigest.slice(0, 12)}) against ${report.client.name} ${report.client.version}: ${describeVerdict(report.summary)}`);
    return 0;
  } catch (error) {
    if (error instanceof SchemaError) throw new ReportInputError(`report ${file} is intact but does not follow the report schema: ${error.message.replace(/^conformance report[^:]*: /, '')}`);
    throw error;
  }
}
