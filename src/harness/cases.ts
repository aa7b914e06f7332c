// Cases are data: built from the rule table, expectations computed there and never listed per code.
import {
  APPLICATION_ERROR_CONTEXT,
  DEFAULT_MINIMUM_RETRY_DELAY_MS,
  DEFAULT_NO_PROGRESS_TIMEOUT_MS,
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
  type StatusClass,
} from '../rules/index.js';
import { RELAY_FORMS, type Fault, type RelayForm } from '../server/index.js';
import { SCENARIOS } from './scenarios.js';
import { JOB_TYPES, type JobError, type JobType } from './contract.js';

export type CaseKind = 'status-matrix' | 'retry-until-npt' | 'scenario';

export interface Timing {
  minimumRetryDelayMs: number;
  noProgressTimeoutMs: number;
  /** How far the wall clock may stray when judging a client in another process (0 in virtual time). */
  toleranceMs?: number;
}

/** The timings a run uses: the matrix's, the persistent failures', and whether the 14-day case runs. */
export interface TimingProfile {
  matrix: Timing;
  persistent: Timing;
  windowsDefaults: boolean;
}

export interface CaseExpectation {
  class: StatusClass;
  /** The job state right after the final Fragment's Ack. */
  stateAfterFinalAck: 'TRANSFERRED' | 'TRANSIENT_ERROR' | 'ERROR';
  /** The error readable right after the final Ack (null for success). */
  error: JobError | null;
  /** False only after a status that forbids posting the file again (403). */
  repostAllowed: boolean;
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
  rules: string[];
  /** For a scenario case: which one (src/harness/scenarios.ts), and the faults the server plays. */
  scenario?: string;
  faults?: Fault[];
  /** The server names another host for the session (BITS-Host-Id). */
  hostId?: boolean;
}

/** Checked on every case, from the ledger: the packets themselves (MC-BUP section 4 of the spec). */
export const WIRE_RULES = ['PKT-CREATE', 'PKT-SESSION', 'PKT-RANGE', 'PKT-RESUME-OFFSET'] as const;

/** The Windows defaults: 600 s and 14 days. In-process they cost nothing under virtual time. */
export const WINDOWS_TIMING: Timing = {
  minimumRetryDelayMs: DEFAULT_MINIMUM_RETRY_DELAY_MS,
  noProgressTimeoutMs: DEFAULT_NO_PROGRESS_TIMEOUT_MS,
};

/** Short enough to count retries one by one: about ten retries before the no-progress timeout. */
export const SHORT_TIMING: Timing = { minimumRetryDelayMs: 60_000, noProgressTimeoutMs: 600_000 };

/** In-process, under virtual time: the real Windows defaults cost nothing. */
export const VIRTUAL_PROFILE: TimingProfile = { matrix: WINDOWS_TIMING, persistent: SHORT_TIMING, windowsDefaults: true };

/**
 * A client in another process is judged on the wall clock: short delays, about ten retries before the
 * no-progress timeout, and a tolerance of a quarter of the delay (at least 20 ms) for scheduling.
 */
export function realTimeProfile(minimumRetryDelayMs = 200, noProgressTimeoutMs = 10 * minimumRetryDelayMs): TimingProfile {
  const timing: Timing = { minimumRetryDelayMs, noProgressTimeoutMs, toleranceMs: Math.max(20, Math.round(minimumRetryDelayMs / 4)) };
  return { matrix: timing, persistent: timing, windowsDefaults: false };
}

/** How long a stop decision must hold, in retry delays (at least 3: core issue). */
export const QUIET_WINDOW_DELAYS = 3;

/** Two fragments with the reference client's adapter, so the final fragment is not the first. */
export const PAYLOAD_BYTES = 6000;

/** Transient statuses swept with an application that fails every time (core issue, TRANSIENT-RETRY). */
export const PERSISTENT_FAILURE_STATUSES = [100, 201, 306, 408, 409, 500, 503] as const;

const STATE_AFTER: Record<StatusClass, CaseExpectation['stateAfterFinalAck']> = {
  success: 'TRANSFERRED',
  transient: 'TRANSIENT_ERROR',
  fatal: 'ERROR',
};

const JOB_RULE: Record<StatusClass, string> = { success: 'JOB-SUCCESS', transient: 'JOB-TRANSIENT', fatal: 'JOB-FATAL' };

export function expectationFor(status: number): CaseExpectation {
  const cls = classify(status);
  return {
    class: cls,
    stateAfterFinalAck: STATE_AFTER[cls],
    error: cls === 'success' ? null : { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(status) },
    repostAllowed: !blocksRepost(status),
  };
}

function rulesFor(status: number, relay: RelayForm, jobType: JobType, kind: CaseKind): string[] {
  const cls = classify(status);
  const rules = [classifyingRule(status).id, ...noRepostRuleIds(status)];
  if (cls !== 'success') rules.push('APP-CONTEXT', ...errorCodeRuleIds(status));
  rules.push(JOB_RULE[cls]);
  if (kind === 'retry-until-npt') rules.push('TRANSIENT-RETRY', 'JOB-NPT');
  else if (cls === 'transient') rules.push('TRANSIENT-RETRY');
  else if (cls === 'fatal' && !blocksRepost(status)) rules.push('FATAL-RESUME');
  if (cls !== 'success') rules.push('JOB-SUCCESS');
  rules.push(relay === 'alt-header' ? 'RELAY-ALT-HEADER' : 'RELAY-MIRROR', ...statusSpecificRuleIds(status));
  if (jobType === 'upload-reply') rules.push('PKT-REPLY');
  return [...new Set([...rules, ...WIRE_RULES])];
}

export function caseId(kind: CaseKind, status: number, relay: RelayForm, jobType: JobType, suffix?: string): string {
  const base = kind === 'status-matrix' ? `app/${status}` : `retry-until-npt/${status}`;
  return [base, relay, jobType, ...(suffix ? [suffix] : [])].join('/');
}

function makeCase(kind: CaseKind, status: number, relay: RelayForm, jobType: JobType, script: number[], timing: Timing, suffix?: string): ConformanceCase {
  const name = winhttpName(status);
  return {
    id: caseId(kind, status, relay, jobType, suffix),
    kind,
    status,
    ...(name ? { statusName: name } : {}),
    relay,
    jobType,
    script,
    timing,
    payloadBytes: PAYLOAD_BYTES,
    expected: expectationFor(status),
    rules: rulesFor(status, relay, jobType, kind),
  };
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

/** Three fragments of 4 KiB, so a fault can hit the middle of an upload. */
export const SCENARIO_PAYLOAD_BYTES = 10_000;

/** The protocol and timing scenarios, with the profile's short timing (NoProgressTimeout as the scenario asks). */
export function scenarioCases(profile: TimingProfile = VIRTUAL_PROFILE, names?: readonly string[]): ConformanceCase[] {
  return SCENARIOS.filter((s) => !names || names.includes(s.name)).map((s) => {
    const { toleranceMs } = profile.persistent;
    const delay = profile.persistent.minimumRetryDelayMs * (s.timing?.delayTimes ?? 1);
    const npt = s.timing?.nptInDelays === undefined ? profile.persistent.noProgressTimeoutMs : Math.round(s.timing.nptInDelays * delay);
    const name = winhttpName(s.status);
    return {
      id: `scenario/${s.name}`,
      kind: 'scenario',
      status: s.status,
      ...(name ? { statusName: name } : {}),
      relay: 'mirror',
      jobType: s.jobType,
      script: s.script,
      timing: { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt, ...(toleranceMs === undefined ? {} : { toleranceMs }) },
      payloadBytes: SCENARIO_PAYLOAD_BYTES,
      expected: { class: s.expected.class, stateAfterFinalAck: s.expected.state === 'ACKNOWLEDGED' ? 'TRANSFERRED' : s.expected.state, error: s.expected.error, repostAllowed: true },
      rules: [...new Set([...s.rules, ...WIRE_RULES])],
      scenario: s.name,
      faults: s.faults,
      ...(s.hostId ? { hostId: true } : {}),
    };
  });
}

export function allCases(profile: TimingProfile = VIRTUAL_PROFILE): ConformanceCase[] {
  return [...statusMatrixCases({ timing: profile.matrix }), ...persistentFailureCases(profile), ...scenarioCases(profile)];
}
