// Which suite file declares which cases: one table that the suites read, and that the CLI reads to start
// only the files holding a selected case (a replay of one case starts one file, not eight).
import { persistentFailureCases, scenarioCases, statusMatrixCases, type ConformanceCase, type TimingProfile } from './cases.js';
import { PROTOCOL_SCENARIOS, TIMING_SCENARIOS } from './scenarios/index.js';
import type { JobType } from './contract.js';
import { applySelection, type CaseSelection } from './selection.js';

type SuiteCases = (profile: TimingProfile) => ConformanceCase[];

const matrix = (from: number, to: number, jobType: JobType): SuiteCases => (profile) => statusMatrixCases({ from, to, jobTypes: [jobType], timing: profile.matrix });

/**
 * Each file of suites/ by name (`suites/<name>.suite.ts`), with the cases it declares. The status matrix
 * is a file per class and job type: workers take whole files, and 400-case files left one worker with a
 * file's worth more than the other at the end of a run on two.
 */
export const SUITE_FILES = {
  'app-status-1xx-upload': matrix(100, 199, 'upload'),
  'app-status-1xx-upload-reply': matrix(100, 199, 'upload-reply'),
  'app-status-2xx-upload': matrix(200, 299, 'upload'),
  'app-status-2xx-upload-reply': matrix(200, 299, 'upload-reply'),
  'app-status-3xx-upload': matrix(300, 399, 'upload'),
  'app-status-3xx-upload-reply': matrix(300, 399, 'upload-reply'),
  'app-status-4xx-upload': matrix(400, 499, 'upload'),
  'app-status-4xx-upload-reply': matrix(400, 499, 'upload-reply'),
  'app-status-5xx-upload': matrix(500, 599, 'upload'),
  'app-status-5xx-upload-reply': matrix(500, 599, 'upload-reply'),
  'retry-until-npt': (profile) => persistentFailureCases(profile),
  protocol: (profile) => scenarioCases(profile, PROTOCOL_SCENARIOS.map((s) => s.name)),
  timing: (profile) => scenarioCases(profile, TIMING_SCENARIOS.map((s) => s.name)),
} as const satisfies Record<string, SuiteCases>;

export type SuiteName = keyof typeof SUITE_FILES;

export const SUITE_NAMES = Object.keys(SUITE_FILES) as SuiteName[];

/** The path of a suite file from the package root. */
export function suitePath(name: SuiteName): string {
  return `suites/${name}.suite.ts`;
}

/** The suite files that hold at least one case of the selection, in the table's order. */
export function suitesHolding(profile: TimingProfile, selection: CaseSelection): SuiteName[] {
  return SUITE_NAMES.filter((name) => applySelection(SUITE_FILES[name](profile), selection).length > 0);
}
