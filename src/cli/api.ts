// The programmatic API: `import { runConformance } from 'bits-conformance'`. The same run as the
// command line, with the same options (the config file's keys), returning the report instead of
// printing it. It prints nothing; it writes report files only when `out` is given.
import { checkOptions, fromApi, runOptionsFrom, type ConformanceOptions } from './options.js';
import type { CliOnlyKey } from './option-table.js';
import { CallbackDisplay, type Progress } from './progress.js';
import type { ConformanceReport } from '../report/report.js';

export type { ConformanceOptions } from './options.js';
export type { Progress } from './progress.js';
export type { CaseSelection } from '../harness/selection.js';

export interface RunConformanceOptions extends Omit<ConformanceOptions, CliOnlyKey> {
  /** Called as cases finish (and once at the end). */
  onProgress?: (progress: Progress) => void;
}

export interface ConformanceRun {
  report: ConformanceReport;
  /** The process exit code the CLI would give: 0 conformant or partial, 1 non-conformant (or a regression under `baseline`), 2 error, 3 vacuous. */
  exitCode: number;
  /** The report files written (only with `out`), by format. */
  files: Partial<Record<'json' | 'junit' | 'html' | 'md', string>>;
}

/**
 * Runs the conformance suite against a client and resolves with the finished report (expected
 * failures applied, baseline compared, digest and signature added). Bad options, a client module
 * that is missing or breaks the contract, or a bad input file reject with a one-line Error. Run it
 * from a plain Node process, not from inside a vitest test: it starts vitest itself. While it runs,
 * SIGINT and SIGTERM stop the run instead of the process: it resolves with the report of the cases
 * that finished, `summary.verdict` `interrupted`.
 */
export async function runConformance(options: RunConformanceOptions = {}): Promise<ConformanceReport> {
  return (await runConformanceWithExitCode(options)).report;
}

/** runConformance with the exit code and the written files, for scripts that gate on it. */
export async function runConformanceWithExitCode(options: RunConformanceOptions = {}): Promise<ConformanceRun> {
  const { onProgress, ...rest } = options;
  const checked = checkOptions(rest, fromApi, { whole: true });
  const { runSuite } = await import('./run.js');
  const result = await runSuite({ ...runOptionsFrom(rest, checked), ...(onProgress ? { progress: new CallbackDisplay(onProgress) } : {}) });
  return { report: result.report, exitCode: result.exitCode, files: result.files };
}
