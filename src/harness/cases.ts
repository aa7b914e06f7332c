// Cases are data: built from the rule table (status matrix, persistent failures) and from the scenario
// modules, expectations computed there and never listed per code. Every case is checked against
// schemas/case.schema.json when it is built.
import {
  APPLICATION_ERROR_CONTEXT,
  FIRST_STATUS,
  LAST_STATUS,
  blocksRepost,
  classify,
  classifyingRule,
  errorCodeFor,
  errorCodeRuleIds,
  noRepostRuleIds,
  statusSpecificRuleIds,
  winhttpName,
  type RuleId,
  type StatusClass,
} from '../rules/index.js';
import { compileAssert } from '../schema/ajv.js';
// Not the server's index: the CLI builds this list before vitest starts, and the index loads msw.
import type { Fault } from '../server/index.js';
import { RELAY_FORMS, type RelayForm } from '../server/relay-forms.js';
import { JOB_TYPES, type JobState, type JobType } from './contract.js';
import { VIRTUAL_PROFILE, WINDOWS_TIMING, type Timing, type TimingProfile } from './timing.js';

export * from './timing.js';
import caseSchema from './schemas/case.schema.json' with { type: 'json' };
import { SCENARIO_LIST, type Scenario } from './scenarios/index.js';

export type CaseKind = 'status-matrix' | 'retry-until-npt' | 'scenario';

/** An error the case expects: a missing code means the rules name the context only. */
export interface ExpectedError {
  context: number;
  code?: number;
}

/** What the job decides at the case's key moment: after the final Ack, or after the scenario's fault. */
export interface ExpectedDecision {
  state: 'TRANSFERRED' | 'TRANSIENT_ERROR' | 'ERROR';
  error: ExpectedError | null;
}

export interface CaseExpectation {
  class: StatusClass;
  /** Absent when the case's key moment is the upload's success (the scenario completes). */
  decision?: ExpectedDecision;
  /** How many times the server application sees the file over the whole case. */
  posts: { min: number; max: number };
  /** The job's state when the case ends: a state, `any`, or `not-success` (never TRANSFERRED or ACKNOWLEDGED). */
  finalState: JobState | 'any' | 'not-success';
  /** False after a status that forbids posting the file again (403). */
  repostAllowed: boolean;
}

/** How the case's BITS server behaves beyond the application's script. */
export interface ServerSetup {
  /** A server farm: the Create-Session Ack names another host (BITS-Host-Id). */
  hostId?: boolean;
  /** The server keeps at most this many new bytes of a fragment, so every client uploads in pieces. */
  acceptAtMost?: number;
}

export interface ConformanceCase {
  id: string;
  kind: CaseKind;
  status: number;
  statusName?: string;
  relay: RelayForm;
  jobType: JobType;
  /** The server application's answers to successive posts; the last one repeats. */
  script: number[];
  timing: Timing;
  payloadBytes: number;
  expected: CaseExpectation;
  /** Every rule the case checks, most specific first. */
  rules: RuleId[];
  /** For a scenario case: which one (src/harness/scenarios/), and the faults the server plays. */
  scenario?: string;
  faults?: Fault[];
  server?: ServerSetup;
}

/** Checked on every case, from the ledger and the timeline (src/harness/judge/invariants.ts). */
export const INVARIANT_RULES: readonly RuleId[] = [
  'PKT-CREATE', 'PKT-SESSION', 'PKT-RANGE', 'PKT-RESUME-OFFSET', 'ACK-RANGE-ALWAYS', 'PKT-CLOSE-EARLY', 'PKT-CLOSE-ONCE',
  'RESUME-RESTARTS', 'NO-FALSE-SUCCESS', 'JOB-FINAL-QUIET', 'JOB-STATES', 'EMPTY-PACKET-LENGTH', 'CONNECTION-REUSE',
];

/** The matrix's payload: small, so a case costs little; any client may send it in one fragment. */
export const PAYLOAD_BYTES = 6000;

/** Transient statuses swept with an application that fails every time (TRANSIENT-RETRY). */
export const PERSISTENT_FAILURE_STATUSES = [100, 201, 306, 408, 409, 500, 503] as const;

const DECIDED: Record<StatusClass, ExpectedDecision['state']> = { success: 'TRANSFERRED', transient: 'TRANSIENT_ERROR', fatal: 'ERROR' };

const JOB_RULE: Record<StatusClass, RuleId> = { success: 'JOB-SUCCESS', transient: 'JOB-TRANSIENT', fatal: 'JOB-FATAL' };

/** What the rules expect after the application answers `status` once, then 200 (the status matrix). */
export function expectationFor(status: number): CaseExpectation {
  const cls = classify(status);
  const repostAllowed = !blocksRepost(status);
  return {
    class: cls,
    decision: { state: DECIDED[cls], error: cls === 'success' ? null : { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(status) } },
    // Success: one post. Transient: a retry; fatal: resume() re-sends; 403: never again.
    posts: cls === 'success' || !repostAllowed ? { min: 1, max: 1 } : { min: 2, max: 2 },
    finalState: repostAllowed ? 'ACKNOWLEDGED' : 'not-success',
    repostAllowed,
  };
}

/** An application that fails with a transient `status` every time: retries until NoProgressTimeout. */
function persistentExpectation(status: number, timing: Timing): CaseExpectation {
  const { decision } = expectationFor(status);
  const most = Math.floor(timing.noProgressTimeoutMs / Math.max(timing.minimumRetryDelayMs, 1)) + 1;
  return { class: 'transient', ...(decision ? { decision } : {}), posts: { min: 2, max: Math.max(2, most) }, finalState: 'ERROR', repostAllowed: true };
}

function rulesFor(status: number, relay: RelayForm, jobType: JobType, kind: CaseKind): RuleId[] {
  const cls = classify(status);
  const rules = [classifyingRule(status).id, ...noRepostRuleIds(status)] as RuleId[];
  if (cls !== 'success') rules.push('APP-CONTEXT', ...(errorCodeRuleIds(status) as RuleId[]));
  rules.push(JOB_RULE[cls]);
  if (kind === 'retry-until-npt') rules.push('TRANSIENT-RETRY', 'JOB-NPT');
  else if (cls === 'transient') rules.push('TRANSIENT-RETRY');
  else if (cls === 'fatal' && !blocksRepost(status)) rules.push('FATAL-RESUME');
  else if (cls === 'fatal') rules.push('NOREPOST-EVERY-RESUME');
  if (cls !== 'success') rules.push('JOB-SUCCESS');
  rules.push(relay === 'alt-header' ? 'RELAY-ALT-HEADER' : 'RELAY-MIRROR', ...(statusSpecificRuleIds(status) as RuleId[]));
  if (jobType === 'upload-reply') rules.push('PKT-REPLY');
  return [...new Set([...rules, ...INVARIANT_RULES])];
}

export function caseId(kind: CaseKind, status: number, relay: RelayForm, jobType: JobType, suffix?: string): string {
  const base = kind === 'status-matrix' ? `app/${status}` : `retry-until-npt/${status}`;
  return [base, relay, jobType, ...(suffix ? [suffix] : [])].join('/');
}

const assertCase = compileAssert<ConformanceCase>(caseSchema, 'case');

/** A case checked against its schema: a case the harness builds wrong fails here, never in a client's verdict. */
export function checkedCase(c: ConformanceCase): ConformanceCase {
  return assertCase(c);
}

function makeCase(kind: CaseKind, status: number, relay: RelayForm, jobType: JobType, script: number[], timing: Timing, suffix?: string): ConformanceCase {
  const name = winhttpName(status);
  return checkedCase({
    id: caseId(kind, status, relay, jobType, suffix),
    kind,
    status,
    ...(name ? { statusName: name } : {}),
    relay,
    jobType,
    script,
    timing,
    payloadBytes: PAYLOAD_BYTES,
    expected: kind === 'retry-until-npt' ? persistentExpectation(status, timing) : expectationFor(status),
    rules: rulesFor(status, relay, jobType, kind),
  });
}

export interface MatrixSelection {
  from?: number;
  to?: number;
  relays?: readonly RelayForm[];
  jobTypes?: readonly JobType[];
  timing?: Timing;
}

/** For every status S, relay form and job type: an application that answers S first and 200 after. */
export function statusMatrixCases(selection: MatrixSelection = {}): ConformanceCase[] {
  const { from = FIRST_STATUS, to = LAST_STATUS, relays = RELAY_FORMS, jobTypes = JOB_TYPES, timing = WINDOWS_TIMING } = selection;
  const cases: ConformanceCase[] = [];
  for (let status = from; status <= to; status++) {
    for (const jobType of jobTypes) {
      for (const relay of relays) cases.push(makeCase('status-matrix', status, relay, jobType, [status, 200], timing));
    }
  }
  return cases;
}

/** Transient statuses with an application that fails every time: retries until NoProgressTimeout. */
export function persistentFailureCases(profile: TimingProfile = VIRTUAL_PROFILE): ConformanceCase[] {
  const cases = PERSISTENT_FAILURE_STATUSES.map((status) => makeCase('retry-until-npt', status, 'mirror', 'upload', [status], profile.persistent, 'short'));
  // One case with the real Windows defaults (600 s / 14 days: about 2,000 retries) under virtual time.
  if (profile.windowsDefaults) cases.push(makeCase('retry-until-npt', 503, 'mirror', 'upload', [503], WINDOWS_TIMING, 'windows-defaults'));
  return cases;
}

/** The scenarios' payload: room for three fragments of 4 KiB, and for a fault in the middle of an upload. */
export const SCENARIO_PAYLOAD_BYTES = 10_000;

function scenarioCase(s: Scenario, profile: TimingProfile): ConformanceCase {
  const { toleranceMs } = profile.persistent;
  const delay = profile.persistent.minimumRetryDelayMs * (s.timing?.delayTimes ?? 1);
  const npt = s.timing?.nptInDelays === undefined ? profile.persistent.noProgressTimeoutMs : Math.round(s.timing.nptInDelays * delay);
  const name = winhttpName(s.status);
  const { posts } = s.expected;
  return checkedCase({
    id: `scenario/${s.name}`,
    kind: 'scenario',
    status: s.status,
    ...(name ? { statusName: name } : {}),
    relay: 'mirror',
    jobType: s.jobType,
    script: s.script,
    timing: { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt, ...(toleranceMs === undefined ? {} : { toleranceMs }) },
    payloadBytes: SCENARIO_PAYLOAD_BYTES,
    expected: {
      class: s.expected.class,
      ...(s.expected.decision ? { decision: s.expected.decision } : {}),
      posts: typeof posts === 'number' ? { min: posts, max: posts } : posts,
      finalState: s.expected.finalState,
      repostAllowed: true,
    },
    rules: [...new Set([...s.rules, ...INVARIANT_RULES])],
    scenario: s.name,
    faults: s.faults,
    ...(s.server ? { server: s.server } : {}),
  });
}

/** The protocol and timing scenarios, with the profile's short timing (NoProgressTimeout as the scenario asks). */
export function scenarioCases(profile: TimingProfile = VIRTUAL_PROFILE, names?: readonly string[]): ConformanceCase[] {
  return SCENARIO_LIST.filter((s) => !names || names.includes(s.name)).map((s) => scenarioCase(s, profile));
}

export function allCases(profile: TimingProfile = VIRTUAL_PROFILE): ConformanceCase[] {
  return [...statusMatrixCases({ timing: profile.matrix }), ...persistentFailureCases(profile), ...scenarioCases(profile)];
}
