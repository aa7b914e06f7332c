// The judge: observation + case -> verdict. It re-derives no rule: expectations are on the case
// (computed from src/rules), and every failure names the rule it breaks.
import { BG_ERROR_CONTEXT, errorCodeFor, hasNamedErrorCode, ruleById } from '../rules/index.js';
import { formatHresult } from '../protocol/index.js';
import type { LedgerEntry } from '../server/index.js';
import { QUIET_WINDOW_DELAYS, type ConformanceCase } from './cases.js';
import { isJobState, type JobError } from './contract.js';
import type { Observation } from './observation.js';
import { checkWire, judgeScenario, observationSlack, scenarioUnsupported, type Failure } from './judge-wire.js';
import { scenarioByName } from './scenarios.js';

export type CaseVerdict = 'pass' | 'fail' | 'warn' | 'unsupported' | 'error';

export type { Failure } from './judge-wire.js';

export interface ExpectedSummary {
  class: string;
  stateAfterFinalAck: string;
  error: string | null;
  posts: number;
  finalState: string;
}

export interface ObservedSummary {
  states: string[];
  stateAfterFinalAck: string | null;
  error: string | null;
  posts: number;
  /** Request times relative to the first final Ack, with packet types. */
  requestsAfterFinalAck: { dt: number; packetType: string }[];
  closeSessions: number;
}

export interface Judgement {
  verdict: CaseVerdict;
  failures: Failure[];
  expected: ExpectedSummary;
  observed: ObservedSummary;
  reason?: string;
}

export function showError(error: JobError | null | undefined): string | null {
  return error ? `{ context ${error.context}, code ${formatHresult(error.code)} }` : null;
}

const fmtMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export function expectedSummaryOf(c: ConformanceCase): ExpectedSummary {
  const e = c.expected;
  if (c.kind === 'scenario') {
    const s = scenarioByName(c.scenario!).expected;
    const error = s.error ? showError(s.error) : s.errorContext === undefined ? null : `{ context ${s.errorContext}, any code }`;
    return { class: e.class, stateAfterFinalAck: s.state, error, posts: s.posts, finalState: s.finalState };
  }
  const posts = c.kind === 'retry-until-npt' ? 0 : e.class === 'success' || !e.repostAllowed ? 1 : 2;
  const finalState = c.kind === 'retry-until-npt' ? 'ERROR' : e.repostAllowed ? 'ACKNOWLEDGED' : 'ERROR';
  return { class: e.class, stateAfterFinalAck: e.stateAfterFinalAck, error: showError(e.error), posts, finalState };
}

const IN_PROGRESS = ['QUEUED', 'CONNECTING', 'TRANSFERRING'];

/**
 * The decision the client settled on after the first final Ack: the first state at or after that Ack
 * in the timeline that is not in progress, with the error readable then. Read from the timeline, not
 * from a sample, so a client that moves on quickly (a loaded process on the wall clock) is seen right.
 */
export function decisionAfterFinalAck(o: Observation): { state: string; error: JobError | null } | undefined {
  const first = o.ledger.find((e) => e.notification);
  if (!first) return undefined;
  // Order, not time: under virtual time everything may happen at one instant.
  const settled = o.states.find((s) => (s.seen ?? 0) >= first.seq && !IN_PROGRESS.includes(s.state));
  if (settled) return { state: settled.state, error: settled.error ?? null };
  const ack = o.checkpoints['final-ack'];
  return ack ? { state: ack.state, error: ack.error } : undefined;
}

function observedSummary(o: Observation): ObservedSummary {
  const first = o.ledger.find((e) => e.notification);
  const decision = decisionAfterFinalAck(o);
  return {
    states: o.states.map((s) => s.state),
    stateAfterFinalAck: decision?.state ?? null,
    error: showError(decision?.error),
    posts: o.ledger.filter((e) => e.notification).length,
    requestsAfterFinalAck: first ? o.ledger.filter((e) => e.seq > first.seq).map((e) => ({ dt: e.t - first.t, packetType: e.packetType })) : [],
    closeSessions: o.ledger.filter((e) => e.packetType === 'Close-Session').length,
  };
}

export interface JudgeOptions {
  /** SHOULD rules fail a case too (default: they only warn). */
  strict?: boolean;
}

export function judge(c: ConformanceCase, o: Observation, options: JudgeOptions = {}): Judgement {
  const expected = expectedSummaryOf(c);
  const observed = observedSummary(o);
  if (o.harnessError) return { verdict: 'error', failures: [], expected, observed, reason: o.harnessError };
  if (o.clientError) return { verdict: 'error', failures: [], expected, observed, reason: `client error: ${o.clientError}` };
  const unsupported = c.kind === 'scenario' ? scenarioUnsupported(c, o) : undefined;
  if (unsupported) return { verdict: 'unsupported', failures: [], expected, observed, reason: unsupported };
  const own = c.kind === 'scenario' ? judgeScenario(c, o) : c.kind === 'retry-until-npt' ? judgeRetryUntilNpt(c, o) : judgeStatusMatrix(c, o);
  const failures = dedupe([...own, ...checkWire(c, o), ...checkStateNames(o)]);
  const broken = failures.map((f) => ruleById(f.rule).level);
  const verdict: CaseVerdict = broken.includes('MUST') || (options.strict && broken.length) ? 'fail' : broken.length ? 'warn' : 'pass';
  return { verdict, failures, expected, observed };
}

/** JOB-STATES: every state the job reported is a BG_JOB_STATE name (run-case records others as "invalid state ..."). */
function checkStateNames(o: Observation): Failure[] {
  const invalid = o.states.filter((s) => !isJobState(s.state));
  if (!invalid.length) return [];
  const first = invalid[0]!;
  const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : '';
  return [{ rule: 'JOB-STATES', message: `at +${fmtMs(first.t)} the job reported ${first.state.replace(/^invalid state /, '')}, which is not a BG_JOB_STATE name${more}` }];
}

function dedupe(failures: Failure[]): Failure[] {
  const seen = new Set<string>();
  return failures.filter((f) => !seen.has(f.rule + f.message) && seen.add(f.rule + f.message));
}

/** Wall-clock slack for clients in another process; 0 under virtual time, where timing is exact. */
const tolerance = (c: ConformanceCase): number => c.timing.toleranceMs ?? 0;

const posts = (o: Observation): LedgerEntry[] => o.ledger.filter((e) => e.notification);

/** The rule that decides the class of this case's status (APP-3XX, APP-OTHER, ...). */
const classRule = (c: ConformanceCase): string => c.rules[0]!;

function checkErrorReport(c: ConformanceCase, actual: JobError | null | undefined, when: string, ackStatus?: number): Failure[] {
  const want = c.expected.error;
  if (!want) {
    return actual ? [{ rule: 'APP-SUCCESS', message: `status 200 is success: expected no error ${when}, observed ${showError(actual)}` }] : [];
  }
  if (!actual) return [{ rule: 'APP-CONTEXT', message: `expected error ${showError(want)} ${when}, observed none` }];
  const failures: Failure[] = [];
  if (actual.context !== want.context) {
    failures.push({ rule: 'APP-CONTEXT', message: `expected context ${want.context} (REMOTE_APPLICATION) ${when}, observed ${actual.context}` });
  }
  if (actual.code !== want.code) {
    const rule = hasNamedErrorCode(c.status) ? 'ERR-CODE' : 'ERR-CODE-ALL';
    failures.push({ rule, message: `expected code ${formatHresult(want.code)} (0x80190000 + ${c.status}) ${when}, observed ${formatHresult(actual.code)}` });
    // Name the relay interpretation the client may have missed: where the code had to be read from.
    if (c.rules.includes('RELAY-1XX')) failures.push({ rule: 'RELAY-1XX', message: `a relayed ${c.status} arrives as Ack status 500: the status must be read from the error code ${formatHresult(want.code)}` });
    // A code made from the Ack's own status means the BITS-Error header went unread.
    if (c.rules.includes('RELAY-ALT-HEADER') && ackStatus !== undefined && actual.code === errorCodeFor(ackStatus)) {
      failures.push({ rule: 'RELAY-ALT-HEADER', message: `the code ${formatHresult(want.code)} was sent in the BITS-Error header (not BITS-Error-Code); the client reported the code of the Ack's status ${ackStatus}` });
    }
  }
  return failures;
}

function checkCompletion(c: ConformanceCase, o: Observation, rule: string): Failure[] {
  const failures: Failure[] = [];
  const done = o.checkpoints['after-complete'];
  if (!done) return [{ rule, message: `the job never reached TRANSFERRED, so complete() could not be called (states: ${o.states.map((s) => s.state).join(' -> ')})` }];
  if (done.state !== 'ACKNOWLEDGED') failures.push({ rule: 'JOB-SUCCESS', message: `expected ACKNOWLEDGED after complete(), observed ${done.state}` });
  const closes = o.ledger.filter((e) => e.packetType === 'Close-Session');
  if (closes.length !== 1) failures.push({ rule: 'JOB-SUCCESS', message: `expected exactly one Close-Session, observed ${closes.length}` });
  if (c.jobType === 'upload-reply') {
    if (o.reply !== o.expectedReply) failures.push({ rule: 'PKT-REPLY', message: `expected the reply ${JSON.stringify(o.expectedReply)}, observed ${JSON.stringify(o.reply)}` });
    const download = o.ledger.find((e) => e.packetType === 'GET');
    if (!download) failures.push({ rule: 'PKT-REPLY', message: 'the reply was never downloaded from BITS-Reply-URL' });
    else if (closes[0] && closes[0].seq < download.seq) failures.push({ rule: 'PKT-REPLY', message: 'the reply was downloaded after Close-Session; it must come before' });
  }
  return failures;
}

function judgeStatusMatrix(c: ConformanceCase, o: Observation): Failure[] {
  const all = posts(o);
  const first = all[0];
  const ack = decisionAfterFinalAck(o);
  if (!first || !ack) {
    return [{ rule: classRule(c), message: `the upload never reached the server application (no final fragment accepted; ${o.ledger.length} requests)` }];
  }
  const failures: Failure[] = [];
  const { class: cls, stateAfterFinalAck } = c.expected;
  if (ack.state !== stateAfterFinalAck) {
    failures.push({
      rule: classRule(c),
      message: `status ${c.status} is ${cls} (${ruleById(classRule(c)).statement}): expected ${stateAfterFinalAck} after the final Ack, observed ${ack.state}`,
    });
  }
  const wrongState = failures.length > 0;
  failures.push(...checkErrorReport(c, ack.error, 'after the final Ack', first.response?.status));
  // Named only when the client decided by the fragment-level meaning: a wrong decision, or the status
  // reported as the server's own error (context 5).
  if (c.rules.includes('RELAY-PRECEDENCE') && (wrongState || ack.error?.context === BG_ERROR_CONTEXT.REMOTE_FILE)) {
    failures.push({ rule: 'RELAY-PRECEDENCE', message: `${c.status} arrived with context 0x7: it is the application's status, judged by the application rules, not by its fragment-level meaning` });
  }
  const delay = c.timing.minimumRetryDelayMs;
  const later = o.ledger.filter((e) => e.seq > first.seq);

  if (cls === 'success') return [...failures, ...checkCompletion(c, o, 'JOB-SUCCESS')];

  if (cls === 'transient') {
    const next = later[0];
    if (next && next.t - first.t < delay - tolerance(c)) {
      failures.push({ rule: 'TRANSIENT-RETRY', message: `the first request after the error (${next.packetType}) came ${fmtMs(next.t - first.t)} after it; MinimumRetryDelay is ${fmtMs(delay)}` });
    }
    if (all.length < 2) {
      const waited = delay * (1 + QUIET_WINDOW_DELAYS);
      failures.push({ rule: 'TRANSIENT-RETRY', message: `the client did not re-send the final fragment by itself within ${fmtMs(waited)} (the application saw the file once)` });
      return failures;
    }
    return [...failures, ...checkCompletion(c, o, 'TRANSIENT-RETRY')];
  }

  // Fatal: no traffic at all until resume().
  const resumedAt = o.calls.filter((x) => x.call === 'resume')[1]?.t ?? Infinity;
  const beforeResume = later.filter((e) => e.t < resumedAt);
  if (beforeResume.length) {
    failures.push({ rule: 'JOB-FATAL', message: `${beforeResume.length} request(s) during the quiet window after a fatal status (first: ${beforeResume[0]!.packetType} at +${fmtMs(beforeResume[0]!.t - first.t)})` });
  }
  if (!c.expected.repostAllowed) {
    if (all.length > 1) {
      const newSession = later.some((e) => e.packetType === 'Create-Session');
      failures.push({
        rule: 'APP-403-NOREPOST',
        message: `after ${c.status} the file was posted to the application ${all.length - 1} more time(s)${newSession ? ', through a new session' : ''}`,
      });
      if (newSession) failures.push({ rule: 'NOREPOST-SCOPE', message: 'a new session was created for the same job after 403' });
    }
    const claimed = o.states.find((s) => s.t >= first.t && (s.state === 'TRANSFERRED' || s.state === 'ACKNOWLEDGED'));
    if (claimed) failures.push({ rule: 'NOREPOST-SCOPE', message: `after 403 the job claimed ${claimed.state}` });
    return failures;
  }
  if (all.length < 2) {
    failures.push({ rule: 'FATAL-RESUME', message: 'resume() did not re-send the final fragment: the application saw the file once' });
    return failures;
  }
  return [...failures, ...checkCompletion(c, o, 'FATAL-RESUME')];
}

function judgeRetryUntilNpt(c: ConformanceCase, o: Observation): Failure[] {
  const all = posts(o);
  const first = all[0];
  if (!first) return [{ rule: classRule(c), message: `the upload never reached the server application (${o.ledger.length} requests)` }];
  const failures: Failure[] = [];
  const { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt } = c.timing;
  const ack = decisionAfterFinalAck(o);
  if (ack && ack.state !== 'TRANSIENT_ERROR') {
    failures.push({ rule: classRule(c), message: `status ${c.status} is transient: expected TRANSIENT_ERROR after the first final Ack, observed ${ack.state}` });
  }
  const tol = tolerance(c);
  for (let i = 1; i < all.length; i++) {
    const gap = all[i]!.t - all[i - 1]!.t;
    if (gap < delay - tol) {
      failures.push({ rule: 'TRANSIENT-RETRY', message: `retry ${i} came ${fmtMs(gap)} after the previous post; MinimumRetryDelay is ${fmtMs(delay)}` });
      break;
    }
  }
  const gaveUp = o.states.find((s) => s.t >= first.t && s.state === 'ERROR');
  if (!gaveUp) {
    failures.push({ rule: 'JOB-NPT', message: `the job never moved to ERROR within NoProgressTimeout ${fmtMs(npt)} + 3 retry delays (posts: ${all.length})` });
  } else {
    const after = gaveUp.t - first.t;
    if (after < npt - tol) failures.push({ rule: 'JOB-NPT', message: `the job gave up ${fmtMs(after)} after the first error, before NoProgressTimeout ${fmtMs(npt)}` });
    if (after > npt + delay + tol + observationSlack(c)) failures.push({ rule: 'JOB-NPT', message: `the job moved to ERROR only ${fmtMs(after)} after the first error; NoProgressTimeout is ${fmtMs(npt)}` });
    const last = all.at(-1)!;
    if (last.t - first.t < npt - 2 * delay - tol) {
      failures.push({ rule: 'TRANSIENT-RETRY', message: `the last retry came ${fmtMs(last.t - first.t)} after the first error; retries must go on until NoProgressTimeout ${fmtMs(npt)}` });
    }
    failures.push(...checkErrorReport(c, o.checkpoints['gave-up']?.error, 'after NoProgressTimeout (the last error)'));
    const afterError = o.ledger.filter((e) => e.t > gaveUp.t || (e.t === gaveUp.t && e.seq > last.seq));
    if (afterError.length) failures.push({ rule: 'JOB-FATAL', message: `${afterError.length} request(s) after the job moved to ERROR` });
  }
  return failures;
}
