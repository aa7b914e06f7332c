// The conformance report: built from judged case records, validated against its published schema,
// and written atomically (a temporary file renamed into place), so a report is never half-written.
import { join } from 'node:path';
import { release, platform } from 'node:os';
import { ruleById, rulesDigest, type RuleGroup } from '../rules/index.js';
import type { CaseRecord } from '../harness/record.js';
import type { CaseSelection } from '../harness/selection.js';
import type { CaseExpectation } from '../harness/cases.js';
import type { ObservedSummary } from '../harness/judge/index.js';
import { formatHresult } from '../protocol/index.js';
import { compileAssert, SchemaError } from '../schema/ajv.js';
import { canonicalJson } from '../schema/canonical-json.js';
import schema from './conformance.schema.json' with { type: 'json' };
import { parseInputJson, readInputText, ReportInputError, writeFileAtomic } from './files.js';
import { isReportV1, readReportV1 } from './report-v1.js';
import { summarize, withCompleteness, type InterruptSignal, type ReportVerdict, type Summary } from './verdict.js';

export const SUITE_NAME = 'bits-conformance';
export const SUITE_VERSION = '0.1.0';

export interface ReportRule {
  level: 'MUST' | 'SHOULD';
  kind: 'rule' | 'interpretation';
  group?: RuleGroup;
  /** The section of the normative text (docs/spec.md) the rule comes from. */
  section?: string;
  /** The public sources the rule cites (keys of the rule table's `sources`). */
  sources: string[];
  statement: string;
}

/** An error as the report writes it: the HRESULT as 0x and 8 upper-case hex digits; no code means any code. */
export interface ReportError {
  context: number;
  code?: string;
}

export interface ReportDecision {
  state: string;
  error: ReportError | null;
}

export interface ReportExpectation extends Omit<CaseExpectation, 'decision'> {
  decision?: ReportDecision;
}

export interface ReportObserved extends Omit<ObservedSummary, 'decision'> {
  decision: ReportDecision | null;
}

/** One accepted failure, as written in an expected-failures file (xfail.ts). */
export interface ExpectedFailureEntry {
  case?: string;
  rule?: string;
  reason: string;
  link: string;
  /** Last day (UTC, YYYY-MM-DD) the entry applies. */
  expires: string;
}

export interface ReportCase extends Omit<CaseRecord, 'verdict' | 'expected' | 'observed' | 'rules' | 'failures' | 'notJudged'> {
  verdict: ReportVerdict;
  /** Rule IDs: the report's `rules` table says what each one is. */
  rules: string[];
  failures: { rule: string; message: string; evidence?: { unwanted?: readonly number[]; claims?: readonly number[] } }[];
  notJudged: { rule: string; reason: string }[];
  expected: ReportExpectation;
  observed?: ReportObserved;
  replay: string;
  /** Wall time the case took in the runner (vitest's duration), when known. */
  durationMs?: number;
  /** Present on `xfail` cases: the entries that accepted this failure. */
  expectedFailure?: { entries: ExpectedFailureEntry[] };
}

export type ExpectedFailureStatus = 'applied' | 'expired' | 'now-passes' | 'unmatched';

export interface ExpectedFailuresOutcome {
  file: string;
  /** SHA-256 of the file's bytes: which list a run used. */
  sha256: string;
  entries: (ExpectedFailureEntry & { status: ExpectedFailureStatus; cases: string[] })[];
}

export interface BaselineOutcome {
  file: string;
  /** The baseline report's own digest (its integrity block), or the SHA-256 of its bytes. */
  sha256: string;
  regressions: string[];
  fixes: string[];
  newErrors: string[];
}

export interface ReportIntegrity {
  /** What was hashed: the report without `integrity`, as RFC 8785 canonical JSON (sorted keys, no whitespace). */
  canonicalization: 'RFC8785';
  algorithm: 'sha256';
  digest: string;
  signature?: {
    algorithm: 'ed25519';
    /** The signed message: the ASCII hex digest above. */
    signed: 'digest';
    /** sha256: and the hex SHA-256 of the public key's DER (SPKI) form. */
    keyId: string;
    publicKey: string;
    value: string;
  };
}

/** The case selection and judging options a run was given (src/harness/selection.ts, src/cli). */
export interface RunOptionsRecord {
  selection?: CaseSelection;
  strict?: boolean;
  interpretationsOff?: string[];
  bail?: boolean;
  timeoutMultiplier?: number;
}

export interface CiEnvironment {
  provider: 'github-actions';
  repository?: string;
  sha?: string;
  ref?: string;
  runId?: string;
  runUrl?: string;
}

export interface ConformanceReport {
  reportVersion: 2;
  suite: { name: string; version: string; rulesDigest: string };
  client: { name: string; version: string; module?: string; transport: 'in-process' | 'process'; capabilities?: { uploadReply?: boolean } };
  environment: { node: string; os: string; ci?: CiEnvironment };
  startedAt: string;
  finishedAt: string;
  wallTimeMs: number;
  runErrors?: string[];
  /** Names the run; every file of its report set carries it. */
  runId?: string;
  /** A signal stopped the run: only the cases that had finished are here, and the verdict is `interrupted`. */
  interrupted?: InterruptionRecord;
  summary: Summary;
  /** Every rule the cases name, once: cases refer to them by ID. */
  rules: Record<string, ReportRule>;
  expectedFailures?: ExpectedFailuresOutcome;
  /** How the run was asked for, when not a default whole-suite run (a selection covers only its cases). */
  options?: RunOptionsRecord;
  baseline?: BaselineOutcome;
  cases: ReportCase[];
  integrity?: ReportIntegrity;
}

export interface InterruptionRecord {
  signal: InterruptSignal;
  at: string;
}

export interface ReportInput {
  client: ConformanceReport['client'];
  runId?: string;
  interrupted?: InterruptionRecord;
  /** Judged records; the collector adds how long each took. */
  records: (CaseRecord & { durationMs?: number })[];
  runErrors: string[];
  startedAt: Date;
  finishedAt: Date;
  /** Builds the one-line command that re-runs exactly one case. */
  replayCommand: (caseId: string) => string;
  /** How the run was asked for, when not a default whole-suite run: it decides whether the run is partial. */
  options?: RunOptionsRecord;
}

/** The report's form of an error: the code as BITS documents it, in hex. */
export function reportError(error: { context: number; code?: number } | null): ReportError | null {
  return error ? { context: error.context, ...(error.code === undefined ? {} : { code: formatHresult(error.code) }) } : null;
}

const reportDecision = (d: { state: string; error: { context: number; code?: number } | null } | null | undefined): ReportDecision | null =>
  d ? { state: d.state, error: reportError(d.error) } : null;

/** The rules a set of cases names, by ID, with what a reader needs (statement, level, kind, sources). */
export function reportRules(ids: Iterable<string>): Record<string, ReportRule> {
  const rules: Record<string, ReportRule> = {};
  for (const id of [...new Set(ids)].sort()) {
    const { level, kind, group, section, sources, statement } = ruleById(id);
    rules[id] = { level, kind, group, section, sources, statement };
  }
  return rules;
}

function reportCase(r: CaseRecord & { durationMs?: number }, replay: string): ReportCase {
  const { expected: { decision, ...expected }, observed, ...rest } = r;
  return {
    ...rest,
    expected: { ...expected, ...(decision ? { decision: reportDecision(decision)! } : {}) },
    ...(observed ? { observed: { ...observed, decision: reportDecision(observed.decision) } } : {}),
    replay,
  };
}

function ciEnvironment(env: NodeJS.ProcessEnv): CiEnvironment | undefined {
  if (env.GITHUB_ACTIONS !== 'true') return undefined;
  const { GITHUB_REPOSITORY: repository, GITHUB_SHA: sha, GITHUB_REF: ref, GITHUB_RUN_ID: runId, GITHUB_SERVER_URL: server } = env;
  return {
    provider: 'github-actions',
    ...(repository ? { repository } : {}),
    ...(sha ? { sha } : {}),
    ...(ref ? { ref } : {}),
    ...(runId ? { runId } : {}),
    ...(server && repository && runId ? { runUrl: `${server}/${repository}/actions/runs/${runId}` } : {}),
  };
}

/** Requests the client made in these cases, the ones left out of a transcript included. */
export function requestCount(cases: readonly Pick<CaseRecord, 'transcript' | 'requestsLeftOut'>[]): number {
  return cases.reduce((n, c) => n + c.transcript.length + (c.requestsLeftOut ?? 0), 0);
}

export function buildReport(input: ReportInput): ConformanceReport {
  const records = [...input.records].sort((a, b) => a.status - b.status || a.id.localeCompare(b.id));
  // A case that saw the client process die makes the whole run an error, once per reason.
  const runErrors = [...new Set([...input.runErrors, ...records.flatMap((r) => (r.runError ? [r.runError] : []))])];
  input = { ...input, runErrors };
  const summary = summarize({
    verdicts: records.map((r) => r.verdict),
    requests: requestCount(records),
    runErrors: input.runErrors.length,
    interrupted: input.interrupted !== undefined,
    coverage: { ...(input.options ? { options: input.options } : {}), ...(input.interrupted ? { interrupted: input.interrupted } : {}) },
  });
  const ci = ciEnvironment(process.env);
  return {
    reportVersion: 2,
    suite: { name: SUITE_NAME, version: SUITE_VERSION, rulesDigest: rulesDigest() },
    client: input.client,
    environment: { node: process.version, os: `${platform()} ${release()}`, ...(ci ? { ci } : {}) },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    wallTimeMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    ...(input.runErrors.length ? { runErrors: input.runErrors } : {}),
    ...(input.runId ? { runId: input.runId } : {}),
    ...(input.interrupted ? { interrupted: input.interrupted } : {}),
    summary,
    rules: reportRules(records.flatMap((r) => [...r.rules, ...r.failures.map((f) => f.rule)])),
    ...(input.options ? { options: input.options } : {}),
    cases: records.map((r) => reportCase(r, input.replayCommand(r.id))),
  };
}

const assertSchema = compileAssert<ConformanceReport>(schema, 'conformance report');

/** Compiles the report schema now (about 0.25 s), while the cases run, rather than after the last one. */
export function prepareReportSchema(): void {
  assertSchema.prepare();
}

/**
 * Validates a report against the published schema. Reports written before `summary.xfail` existed
 * still validate (the field is optional in the schema); the returned value always has it.
 */
export function assertReport(data: unknown): ConformanceReport {
  const report = assertSchema(data);
  report.summary.xfail ??= 0;
  report.summary = withCompleteness(report.summary, report);
  return report;
}

/** A report as read from a file: version 2, or version 1 read in version 2's terms (report-v1.ts). */
export function readReport(data: unknown): ConformanceReport {
  if (!isReportV1(data)) return assertReport(data);
  const report = readReportV1(data);
  report.summary = withCompleteness({ ...report.summary, xfail: report.summary.xfail ?? 0 }, report);
  return report;
}

/** Validates, then writes `conformance.json` into `dir` atomically; returns its path. */
export async function writeReport(report: ConformanceReport, dir: string): Promise<string> {
  assertReport(report);
  const file = join(dir, 'conformance.json');
  await writeFileAtomic(file, reportJson(report));
  return file;
}

/** Texts of sealed reports (sealReport serialized them already): writing one does not serialize it again. */
const sealedTexts = new WeakMap<ConformanceReport, string>();

/** For sealReport: the report's text, made while sealing it; the report must not change after. */
export function rememberReportJson(report: ConformanceReport, text: string): void {
  sealedTexts.set(report, text);
}

/**
 * The one serialization the suite writes, and `verify` holds files to byte for byte: the report's RFC 8785
 * canonical form (the form its digest is computed over, keys sorted, no whitespace) and a newline.
 */
export function reportJson(report: ConformanceReport): string {
  return sealedTexts.get(report) ?? `${canonicalJson(report)}\n`;
}

/** Reads, parses and validates a report file; every problem is one line naming the file. */
export async function loadReport(file: string, what = 'report'): Promise<ConformanceReport> {
  const data = parseInputJson(await readInputText(file, what), file, what);
  try {
    return readReport(data);
  } catch (error) {
    if (error instanceof SchemaError) throw new ReportInputError(`${what} ${file} does not follow the report schema: ${error.message.replace(/^conformance report[^:]*: /, '')}`);
    throw error;
  }
}
