// The status matrix and the persistent failures: what the client decided after the application's
// status, whether it retried (transient), stayed quiet until resume() (fatal), never posted again (403).
import { BG_ERROR_CONTEXT, classifyingRule, ruleById, type RuleId } from '../../rules/index.js';
import type { LedgerEntry } from '../../server/index.js';
import { QUIET_WINDOW_DELAYS, observationSlack, tolerance, type ConformanceCase } from '../cases.js';
import { fmtMs } from '../format.js';
import type { Observation } from '../observation.js';
import { checkApplicationError } from './error-report.js';
import { fail, type Failure } from './failure.js';
import { callsOf, decisionAfter, firstStateAfter, postsOf, statesText, SUCCESS_STATES, type Decision } from './timeline.js';

/** The rule that decides the class of the case's status: always one of these five. */
type ClassRule = 'APP-SUCCESS' | 'APP-3XX' | 'APP-4XX' | 'APP-5XX' | 'APP-OTHER';
const classRule = (c: ConformanceCase): ClassRule => classifyingRule(c.status).id as ClassRule;

export interface MatrixOptions {
  /** NOREPOST-EVERY-RESUME switched off: only the first resume() after a 403 is judged. */
  firstResumeOnly?: boolean;
}

/** The application never saw the file: the status could not be judged, a failure only when nothing else explains why. */
function neverReached(c: ConformanceCase, o: Observation): Failure {
  return { ...fail(classRule(c), `the upload never reached the server application (no final fragment accepted; ${o.ledger.length} requests)`), consequence: true };
}

/** The decision after the first final Ack: from the timeline, else from the checkpoint. */
function decisionAfterFinalAck(o: Observation, first: LedgerEntry): Decision | undefined {
  const d = decisionAfter(o, first);
  const ack = o.checkpoints['final-ack'];
  return d ?? (ack ? { index: -1, t: ack.t, state: ack.state, error: ack.error } : undefined);
}

/** The job reached TRANSFERRED, complete() made it ACKNOWLEDGED, and an upload-reply job has its reply. */
export function checkCompletion(c: ConformanceCase, o: Observation, rule: RuleId): Failure[] {
  const done = o.checkpoints['after-complete'];
  if (!done) return [fail(rule, `the job never reached TRANSFERRED, so complete() could not be called (states: ${statesText(o)})`)];
  const failures: Failure[] = [];
  if (done.state !== 'ACKNOWLEDGED') failures.push(fail('JOB-SUCCESS', `expected ACKNOWLEDGED after complete(), observed ${done.state}`));
  if (c.jobType !== 'upload-reply') return failures;
  if (o.reply !== o.expectedReply) failures.push(fail('PKT-REPLY', `expected the reply ${JSON.stringify(o.expectedReply)}, observed ${JSON.stringify(o.reply)}`));
  const download = o.ledger.find((e) => e.packetType === 'GET');
  // The ledger is in arrival order: of the download and the close, the first must be the download.
  const firstOfTwo = o.ledger.find((e) => e.packetType === 'GET' || e.packetType === 'Close-Session');
  if (!download) failures.push(fail('PKT-REPLY', 'the reply was never downloaded from BITS-Reply-URL'));
  else if (firstOfTwo !== download) failures.push(fail('PKT-REPLY', 'the reply was downloaded after Close-Session; it must come before'));
  return failures;
}

function checkDecision(c: ConformanceCase, o: Observation, first: LedgerEntry, decision: Decision): Failure[] {
  const want = c.expected.decision!;
  const failures: Failure[] = [];
  const wrongState = decision.state !== want.state;
  if (wrongState) {
    const claims = decision.index >= 0 ? { claims: [decision.index] } : undefined;
    failures.push(fail(classRule(c), `status ${c.status} is ${c.expected.class} (${ruleById(classRule(c)).statement}): expected ${want.state} after the final Ack, observed ${decision.state}`, claims));
  }
  failures.push(...checkApplicationError(c, want.error, decision.error, 'after the final Ack', first.response?.status));
  // Named only when the client decided by the fragment-level meaning: a wrong decision, or the status
  // reported as the server's own error (context 5).
  if (c.rules.includes('RELAY-PRECEDENCE') && (wrongState || decision.error?.context === BG_ERROR_CONTEXT.REMOTE_FILE)) {
    failures.push(fail('RELAY-PRECEDENCE', `${c.status} arrived with context 0x7: it is the application's status, judged by the application rules, not by its fragment-level meaning`));
  }
  return failures;
}

function judgeTransient(c: ConformanceCase, o: Observation, first: LedgerEntry): Failure[] {
  const delay = c.timing.minimumRetryDelayMs;
  const next = o.ledger.find((e) => e.seq > first.seq);
  const failures: Failure[] = [];
  if (next && next.t - first.t < delay - tolerance(c.timing)) {
    failures.push(fail('TRANSIENT-RETRY', `the first request after the error (${next.packetType}) came ${fmtMs(next.t - first.t)} after it; MinimumRetryDelay is ${fmtMs(delay)}`, { unwanted: [next.seq] }));
  }
  if (postsOf(o).length < c.expected.posts.min) {
    return [...failures, fail('TRANSIENT-RETRY', `the client did not re-send the final fragment by itself within ${fmtMs(delay * (1 + QUIET_WINDOW_DELAYS))} (the application saw the file once)`)];
  }
  return [...failures, ...checkCompletion(c, o, 'TRANSIENT-RETRY')];
}

/** 403: the file is never posted again, by no route: no re-post, no new session, no success claimed. */
function judgeNoRepost(c: ConformanceCase, o: Observation, first: LedgerEntry, options: MatrixOptions): Failure[] {
  const cut = options.firstResumeOnly ? (callsOf(o, 'resume')[2]?.seen ?? Infinity) : Infinity;
  const later = o.ledger.filter((e) => e.seq > first.seq && e.seq <= cut);
  const reposts = later.filter((e) => e.notification);
  const sessions = later.filter((e) => e.packetType === 'Create-Session');
  const failures: Failure[] = [];
  if (reposts.length) {
    const resumes = callsOf(o, 'resume').slice(1).filter((r) => r.seen < reposts[0]!.seq).length;
    const route = sessions.length ? ', through a new session' : '';
    failures.push(fail('APP-403-NOREPOST', `after ${c.status} the file was posted to the application ${reposts.length} more time(s)${route}, the first after resume() number ${resumes}`, { unwanted: reposts.map((e) => e.seq) }));
    // Seen only because the case resumed more than once: the interpretation that made it look is named too.
    if (resumes >= 2) failures.push(fail('NOREPOST-EVERY-RESUME', `the first re-post came after resume() number ${resumes}, not the first: "never again" holds on every resume, across Suspend/Resume`));
  }
  if (sessions.length) failures.push(fail('NOREPOST-SCOPE', 'a new session was created for the same job after 403', { unwanted: sessions.map((e) => e.seq) }));
  const claimed = firstStateAfter(o, SUCCESS_STATES, first.seq);
  if (claimed && o.states[claimed.index]!.seen <= cut) failures.push(fail('NOREPOST-SCOPE', `after 403 the job claimed ${claimed.state}`, { claims: [claimed.index] }));
  return failures;
}

function judgeFatal(c: ConformanceCase, o: Observation, first: LedgerEntry, options: MatrixOptions): Failure[] {
  const resumedAt = callsOf(o, 'resume')[1]?.seen ?? Infinity;
  const quiet = o.ledger.filter((e) => e.seq > first.seq && e.seq <= resumedAt);
  // After 403 a re-post is blamed under its own rule first; the rest of the traffic under JOB-FATAL.
  const failures: Failure[] = c.expected.repostAllowed ? [] : judgeNoRepost(c, o, first, options);
  if (quiet.length) {
    failures.push(fail('JOB-FATAL', `${quiet.length} request(s) during the quiet window after a fatal status (first: ${quiet[0]!.packetType} at +${fmtMs(quiet[0]!.t - first.t)})`, { unwanted: quiet.map((e) => e.seq) }));
  }
  if (!c.expected.repostAllowed) return failures;
  if (postsOf(o).length < c.expected.posts.min) return [...failures, fail('FATAL-RESUME', 'resume() did not re-send the final fragment: the application saw the file once')];
  return [...failures, ...checkCompletion(c, o, 'FATAL-RESUME')];
}

export function judgeStatusMatrix(c: ConformanceCase, o: Observation, options: MatrixOptions = {}): Failure[] {
  const first = postsOf(o)[0];
  const decision = first && decisionAfterFinalAck(o, first);
  if (!first || !decision) return [neverReached(c, o)];
  const failures = checkDecision(c, o, first, decision);
  if (c.expected.class === 'success') return [...failures, ...checkCompletion(c, o, 'JOB-SUCCESS')];
  if (c.expected.class === 'transient') return [...failures, ...judgeTransient(c, o, first)];
  return [...failures, ...judgeFatal(c, o, first, options)];
}

function checkGivingUp(c: ConformanceCase, o: Observation, first: LedgerEntry, all: LedgerEntry[]): Failure[] {
  const { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt } = c.timing;
  const tol = tolerance(c.timing);
  const gaveUp = firstStateAfter(o, ['ERROR'], first.seq);
  if (!gaveUp) return [fail('JOB-NPT', `the job never moved to ERROR within NoProgressTimeout ${fmtMs(npt)} + 3 retry delays (posts: ${all.length})`)];
  const failures: Failure[] = [];
  const after = gaveUp.t - first.t;
  if (after < npt - tol) failures.push(fail('JOB-NPT', `the job gave up ${fmtMs(after)} after the first error, before NoProgressTimeout ${fmtMs(npt)}`, { claims: [gaveUp.index] }));
  if (after > npt + delay + tol + observationSlack(c.timing)) failures.push(fail('JOB-NPT', `the job moved to ERROR only ${fmtMs(after)} after the first error; NoProgressTimeout is ${fmtMs(npt)}`));
  const last = all.at(-1)!;
  if (last.t - first.t < npt - 2 * delay - tol) {
    failures.push(fail('TRANSIENT-RETRY', `the last retry came ${fmtMs(last.t - first.t)} after the first error; retries must go on until NoProgressTimeout ${fmtMs(npt)}`));
  }
  failures.push(...checkApplicationError(c, c.expected.decision?.error ?? null, o.checkpoints['gave-up']?.error, 'after NoProgressTimeout (the last error)'));
  const afterError = o.ledger.filter((e) => e.t > gaveUp.t || (e.t === gaveUp.t && e.seq > last.seq));
  if (afterError.length) failures.push(fail('JOB-FATAL', `${afterError.length} request(s) after the job moved to ERROR`, { unwanted: afterError.map((e) => e.seq) }));
  return failures;
}

export function judgeRetryUntilNpt(c: ConformanceCase, o: Observation): Failure[] {
  const all = postsOf(o);
  const first = all[0];
  if (!first) return [neverReached(c, o)];
  const failures: Failure[] = [];
  const decision = decisionAfterFinalAck(o, first);
  if (decision && decision.state !== 'TRANSIENT_ERROR') {
    failures.push(fail(classRule(c), `status ${c.status} is transient: expected TRANSIENT_ERROR after the first final Ack, observed ${decision.state}`, decision.index >= 0 ? { claims: [decision.index] } : undefined));
  }
  const { minimumRetryDelayMs: delay } = c.timing;
  const early = all.findIndex((p, i) => i > 0 && p.t - all[i - 1]!.t < delay - tolerance(c.timing));
  if (early > 0) failures.push(fail('TRANSIENT-RETRY', `retry ${early} came ${fmtMs(all[early]!.t - all[early - 1]!.t)} after the previous post; MinimumRetryDelay is ${fmtMs(delay)}`, { unwanted: [all[early]!.seq] }));
  return [...failures, ...checkGivingUp(c, o, first, all)];
}
