// The public API: the client-under-test contract, the rule table, cases, the runner and judge, the
// report model, the reference client, and runConformance() to run the suite from a script (src/cli/api.ts).
export * from './harness/contract.js';
export {
  allCases,
  persistentFailureCases,
  statusMatrixCases,
  SHORT_TIMING,
  WINDOWS_TIMING,
  type CaseExpectation,
  type CaseKind,
  type ConformanceCase,
  type MatrixSelection,
  type Timing,
} from './harness/cases.js';
export { runCase } from './harness/run-case.js';
export { judge, type CaseVerdict, type Failure, type Judgement } from './harness/judge/index.js';
export type { Observation } from './harness/observation.js';
export type { CaseRecord } from './harness/record.js';
export {
  APPLICATION_ERROR_CONTEXT,
  BG_ERROR_CONTEXT,
  BG_JOB_STATE,
  blocksRepost,
  classify,
  classifyingRule,
  errorCodeFor,
  ruleById,
  ruleTable,
  rulesDigest,
  winhttpName,
  type Rule,
  type StatusClass,
} from './rules/index.js';
export { assertReport, type ConformanceReport, type ReportCase, type ReportRule, type RunOptionsRecord } from './report/report.js';
export {
  runConformance,
  runConformanceWithExitCode,
  type CaseSelection,
  type ConformanceOptions,
  type ConformanceRun,
  type Progress,
  type RunConformanceOptions,
} from './cli/api.js';
export { EXIT_CODE, type RunVerdict, type Summary } from './report/verdict.js';
export { createUploadJob, classifyApplicationStatus, UploadJob, type UploadJobOptions } from './client/index.js';
