// What every scenario's judge function works with: the case, the observation, the faulted request,
// and small checks that recur (the decision after the fault, the upload completed, the error when
// giving up). Each check names its rule where it is called.
import { BG_ERROR_CONTEXT, type RuleId } from '../../rules/index.js';
import type { LedgerEntry } from '../../server/index.js';
import { observationSlack, tolerance, type ConformanceCase } from '../cases.js';
import { errorMatches, fmtMs, showError } from '../format.js';
import type { HarnessCall, Observation } from '../observation.js';
import { fail, faultNotReached, type Failure, type NotJudged } from './failure.js';
import { decisionAfter, postsOf, statesText } from './timeline.js';

/** Why the rules name only a context: what the context says went wrong. */
// Stryker disable next-line ObjectLiteral: message text: what a context means, for a failure's message; no verdict reads it
const CONTEXT_MEANING: Record<number, string> = {
  // Stryker disable next-line StringLiteral: message text
  [BG_ERROR_CONTEXT.REMOTE_FILE]: "REMOTE_FILE: the server's answer is at fault",
  // Stryker disable next-line StringLiteral: message text
  [BG_ERROR_CONTEXT.GENERAL_TRANSPORT]: 'GENERAL_TRANSPORT: the connection broke',
};

export interface ScenarioJudgement {
  readonly c: ConformanceCase;
  readonly o: Observation;
  /** The scenario's sentence, for messages. */
  readonly title: string;
  /** The first request the server answered with a scripted fault. */
  readonly faulted: LedgerEntry | undefined;
  readonly posts: LedgerEntry[];
  readonly delay: number;
  readonly npt: number;
  /** Wall-clock tolerance for lower bounds, and observation slack for upper bounds (0 in virtual time). */
  readonly tol: number;
  readonly slack: number;
  /** Records a check whose premise did not hold: it is reported as not judged, never failed. */
  notJudged(rule: RuleId, reason: string): void;
}

export function scenarioJudgement(c: ConformanceCase, o: Observation, title: string, notJudged: NotJudged[]): ScenarioJudgement {
  return {
    c,
    o,
    title,
    faulted: o.ledger.find((e) => e.fault),
    posts: postsOf(o),
    delay: c.timing.minimumRetryDelayMs,
    npt: c.timing.noProgressTimeoutMs,
    tol: tolerance(c.timing),
    slack: observationSlack(c.timing),
    notJudged: (rule, reason) => notJudged.push({ rule, reason }),
  };
}

/**
 * The upload completed despite the fault: complete() made the job ACKNOWLEDGED. A job that reached
 * TRANSFERRED did complete the upload: if complete() then failed, that is JOB-SUCCESS, not the scenario's rule.
 */
export function completed(j: ScenarioJudgement, rule: RuleId): Failure[] {
  const done = j.o.checkpoints['after-complete'];
  if (done?.state === 'ACKNOWLEDGED') return [];
  if (done) return [fail('JOB-SUCCESS', `expected ACKNOWLEDGED after complete(), observed ${done.state}`)];
  return [fail(rule, `the upload should complete despite ${j.title}; the job ended ${j.o.states.at(-1)?.state ?? 'nowhere'} (states: ${statesText(j.o)})`)];
}

/**
 * The decision after the faulted request against the case's expected decision: a wrong state under
 * `stateRule` (and then nothing more: the error that goes with it is its consequence), a wrong error
 * under `errorRule`.
 */
export function decisionOnFault(j: ScenarioJudgement, stateRule: RuleId, errorRule: RuleId): Failure[] {
  const want = j.c.expected.decision!;
  if (!j.faulted) return [faultNotReached(stateRule)];
  const d = decisionAfter(j.o, j.faulted);
  if (!d) return [fail(stateRule, `after ${j.title}, the job never settled (states: ${statesText(j.o)})`)];
  if (d.state !== want.state) return [fail(stateRule, `after ${j.title}, expected ${want.state}, observed ${d.state}`, { claims: [d.index] })];
  if (errorMatches(d.error, want.error)) return [];
  // Stryker disable next-line StringLiteral,ConditionalExpression,EqualityOperator,LogicalOperator,UnaryOperator: message text: how the expected error is worded; no verdict reads it
  const what = !want.error ? 'no error' : want.error.code === undefined ? `an error with context ${want.error.context} (${CONTEXT_MEANING[want.error.context] ?? 'any code'})` : `error ${showError(want.error)}`;
  return [fail(errorRule, `after ${j.title}, expected ${what}, observed ${showError(d.error)}`)];
}

/** The first request after the faulted one came only after MinimumRetryDelay. */
export function waitedAfterFault(j: ScenarioJudgement, rule: RuleId): Failure[] {
  const next = j.faulted && j.o.ledger.find((e) => e.seq > j.faulted!.seq);
  if (!next || next.t - j.faulted!.t >= j.delay - j.tol) return [];
  return [fail(rule, `the first request after ${j.title} came ${fmtMs(next.t - j.faulted!.t)} after it; MinimumRetryDelay is ${fmtMs(j.delay)}`, { unwanted: [next.seq] })];
}

/** JOB-FATAL: the job stays in ERROR, with no traffic, until the application calls Resume, Cancel or Complete. */
const ENDS_QUIET: readonly HarnessCall[] = ['resume', 'cancel', 'complete'];

/**
 * The job stayed quiet after its ERROR decision until the harness acted (JOB-FATAL). Judged only when the
 * job did decide ERROR: a job that never stopped is named by the decision's own rule, once (and when that
 * rule is an interpretation switched off, nothing demands the quiet).
 */
export function quietAfterFault(j: ScenarioJudgement): Failure[] {
  if (!j.faulted || decisionAfter(j.o, j.faulted)?.state !== 'ERROR') return [];
  const next = j.o.calls.find((x) => ENDS_QUIET.includes(x.call) && x.seen >= j.faulted!.seq);
  const quiet = j.o.ledger.filter((e) => e.seq > j.faulted!.seq && (!next || e.seq <= next.seen));
  if (!quiet.length) return [];
  return [fail('JOB-FATAL', `${quiet.length} request(s) after the job's fatal error, before the harness acted (first: ${quiet[0]!.packetType} at +${fmtMs(quiet[0]!.t - j.faulted.t)})`, { unwanted: quiet.map((e) => e.seq) })];
}

/**
 * Whether the client closed the faulted session on complete() (after ACKNOWLEDGED): CLOSE-FAILURE accepts
 * that, and then the job cannot show TRANSIENT_ERROR while it re-sends, so that demand is not judged.
 */
export function closesOnComplete(j: ScenarioJudgement): boolean {
  const complete = j.o.calls.find((x) => x.call === 'complete');
  const closesLater = !!complete && !!j.faulted && complete.seen < j.faulted.seq;
  if (closesLater) j.notJudged('CLOSE-FAILURE', 'the client closes the session on complete(), after ACKNOWLEDGED: the state while it re-sends is not judged');
  return closesLater;
}
