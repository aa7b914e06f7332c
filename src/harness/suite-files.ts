// Which suite file declares which cases: one table that the suites read, and that the CLI reads to start
// only the files holding a selected case (a replay of one case starts one file, not eight).
import { persistentFailureCases, scenarioCases, statusMatrixCases, type ConformanceCase, type TimingProfile } from './cases.js';
import { PROTOCOL_SCENARIOS, TIMING_SCENARIOS } from './scenarios/index.js';
import { applySelection, type CaseSelection } from './selection.js';

type SuiteCases = (profile: TimingProfile) => ConformanceCase[];

const matrix = (from: number, to: number): SuiteCases => (profile) => statusMatrixCases({ from, to, timing: profile.matrix });

/** Each file of suites/ by name (`suites/<name>.suite.ts`), with the cases it declares. */
export const SUITE_FILES = {
  'app-status-1xx': matrix(100, 199),
  'app-status-2xx': matrix(200, 299),
  'app-status-3xx': matrix(300, 399),
  'app-status-4xx': matrix(400, 499),
  'app-status-5xx': matrix(500, 599),
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
