// [MRD] [NPT] [RES] Job timing: resume() retries at once and starts again at Ping; NoProgressTimeout 0
// makes every error fatal; a retry delay longer than the no-progress timeout means no retry; progress
// restarts the no-progress timer.
import { APPLICATION_ERROR_CONTEXT, errorCodeFor } from '../../rules/index.js';
import { scenarioFlows } from '../flow.js';
import { fmtMs } from '../format.js';
import { checkGivingUpError } from '../judge/error-report.js';
import { fail, faultNotReached, type Failure } from '../judge/failure.js';
import { completed, type ScenarioJudgement } from '../judge/scenario-kit.js';
import { callsOf, decisionAfter, firstStateAfter, statesText } from '../judge/timeline.js';
import { MID_UPLOAD, type Scenario } from './types.js';

const appError503 = { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(503) };

function judgeResumeTransient(j: ScenarioJudgement): Failure[] {
  const firstPost = j.posts[0];
  const resumed = callsOf(j.o, 'resume')[1];
  if (!firstPost || !resumed) return [fail('JOB-TRANSIENT', `the job never waited in TRANSIENT_ERROR to be resumed (states: ${statesText(j.o)})`)];
  // How the resumed job starts (Ping, at once) is RESUME-RESTARTS, judged on every resume of every case.
  const sent = j.o.ledger.some((e) => e.seq > resumed.seen);
  return [...(sent ? [] : [fail('RESUME-RESTARTS', 'resume() in TRANSIENT_ERROR sent nothing')]), ...completed(j, 'RESUME-RESTARTS')];
}

export const resumeTransient: Scenario<'resume-transient'> = {
  name: 'resume-transient',
  title: 'the application answers 503 once, and the job is resumed while it waits in TRANSIENT_ERROR',
  requirements: [
    { source: 'win32: IBackgroundCopyJob::SetMinimumRetryDelay', quote: 'To start the job before the minimum retry period expires, call the IBackgroundCopyJob::Resume method.' },
    { source: '[MC-BUP] 3.1.4.3', quote: 'Set HTTPUploader.UploadSuspended to FALSE Set HTTPUploader.State to PING' },
  ],
  status: 503, jobType: 'upload', script: [503, 200], faults: [], timing: { delayTimes: 5, nptInDelays: 4 },
  rules: ['RESUME-RESTARTS', 'JOB-TRANSIENT'],
  expected: { class: 'transient', decision: { state: 'TRANSIENT_ERROR', error: appError503 }, posts: 2, finalState: 'ACKNOWLEDGED' },
  flow: scenarioFlows.resume,
  judge: judgeResumeTransient,
};

/** No retry after the error, and ERROR in the end with the application's error. */
function judgeNoRetry(j: ScenarioJudgement, rule: 'TIMING-NPT-ZERO' | 'TIMING-DELAY-OVER-NPT'): Failure[] {
  const first = j.posts[0];
  if (!first) return [fail(rule, 'the upload never reached the server application')];
  const failures: Failure[] = [];
  const retries = j.o.ledger.filter((e) => e.seq > first.seq);
  if (retries.length) failures.push(fail(rule, `${retries.length} request(s) after the error (first: ${retries[0]!.packetType} at +${fmtMs(retries[0]!.t - first.t)}); no retry was allowed`, { unwanted: retries.map((e) => e.seq) }));
  const decision = decisionAfter(j.o, first);
  if (rule === 'TIMING-NPT-ZERO' && decision && decision.state !== 'ERROR') failures.push(fail(rule, `with NoProgressTimeout 0 the error is fatal: expected ERROR after the final Ack, observed ${decision.state}`, { claims: [decision.index] }));
  // No retry and ERROR in the end: how soon ERROR shows is not judged here (on the wall clock it is seen
  // when observed); the quiet window proves there was no retry.
  const gaveUp = firstStateAfter(j.o, ['ERROR'], first.seq);
  if (!gaveUp) return [...failures, fail(rule, `the job never moved to ERROR (states: ${statesText(j.o)})`)];
  return [...failures, ...checkGivingUpError(j.c.expected.decision!.error, gaveUp.error)];
}

export const nptZero: Scenario<'npt-zero'> = {
  name: 'npt-zero', title: 'NoProgressTimeout 0, and the application answers 503 once',
  requirements: [{ source: 'win32: IBackgroundCopyJob::SetNoProgressTimeout', quote: 'Set the retry period to 0 to prevent retries and to force the job into the BG_JOB_STATE_ERROR state for all errors.' }],
  status: 503, jobType: 'upload', script: [503, 200], faults: [], timing: { nptInDelays: 0 },
  rules: ['TIMING-NPT-ZERO'],
  expected: { class: 'fatal', decision: { state: 'ERROR', error: appError503 }, posts: 1, finalState: 'ERROR' },
  flow: scenarioFlows.error,
  judge: (j) => judgeNoRetry(j, 'TIMING-NPT-ZERO'),
};

export const delayOverNpt: Scenario<'delay-over-npt'> = {
  name: 'delay-over-npt', title: 'MinimumRetryDelay twice NoProgressTimeout, and the application answers 503 once',
  requirements: [{ source: 'win32: IBackgroundCopyJob::SetMinimumRetryDelay', quote: 'If the value exceeds the no-progress-timeout value retrieved from the GetNoProgressTimeout method, BITS will not retry the transfer and moves the job to the BG_JOB_STATE_ERROR state.' }],
  status: 503, jobType: 'upload', script: [503, 200], faults: [], timing: { nptInDelays: 0.5 },
  rules: ['TIMING-DELAY-OVER-NPT'],
  expected: { class: 'fatal', decision: { state: 'ERROR', error: appError503 }, posts: 1, finalState: 'ERROR' },
  flow: scenarioFlows.giveUp,
  judge: (j) => judgeNoRetry(j, 'TIMING-DELAY-OVER-NPT'),
};

function judgeProgressResets(j: ScenarioJudgement): Failure[] {
  const first = j.posts[0];
  if (!j.faulted) return [faultNotReached('TIMING-PROGRESS-RESETS')];
  if (!first) return [fail('TIMING-PROGRESS-RESETS', 'the upload never reached the server application (the fragment after the 503 was not retried?)')];
  const gaveUp = firstStateAfter(j.o, ['ERROR'], first.seq);
  if (!gaveUp) return [fail('JOB-NPT', `the job never moved to ERROR (posts: ${j.posts.length})`)];
  const failures: Failure[] = [];
  const after = gaveUp.t - first.t;
  if (after < j.npt - j.tol) failures.push(fail('TIMING-PROGRESS-RESETS', `the job gave up ${fmtMs(after)} after the application's first error, before NoProgressTimeout ${fmtMs(j.npt)}: progress did not restart the timer`, { claims: [gaveUp.index] }));
  if (after > j.npt + j.delay + j.tol + j.slack) failures.push(fail('JOB-NPT', `the job moved to ERROR only ${fmtMs(after)} after the application's first error; NoProgressTimeout is ${fmtMs(j.npt)}`));
  return [...failures, ...checkGivingUpError(j.c.expected.decision!.error, gaveUp.error)];
}

export const progressResets: Scenario<'progress-resets'> = {
  name: 'progress-resets', title: 'a 503 on the second fragment, progress on its retry, then the application fails every time',
  requirements: [{ source: 'win32: IBackgroundCopyJob::SetNoProgressTimeout', quote: 'Sets the length of time that BITS tries to transfer the file after a transient error condition occurs. If there is progress, the timer is reset.' }],
  status: 503, jobType: 'upload', script: [503], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'server-error', status: 503 } }], timing: { nptInDelays: 2.5 },
  rules: ['TIMING-PROGRESS-RESETS', 'JOB-NPT'],
  expected: { class: 'transient', decision: { state: 'TRANSIENT_ERROR', error: appError503 }, posts: 2, finalState: 'ERROR' },
  flow: scenarioFlows.giveUp,
  judge: judgeProgressResets,
};

export const TIMING_SCENARIOS = [resumeTransient, nptZero, delayOverNpt, progressResets] as const;
