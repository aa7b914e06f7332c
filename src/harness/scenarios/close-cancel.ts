// Ending a session: Close-Session after the upload, Cancel-Session after cancel(). Re-sent on 500-599
// unless the session is gone, never on 100-499 (win32: Ack for Close-Session, Ack for Cancel-Session);
// the wait before a re-send and the state meanwhile are CLOSE-FAILURE's interpretation.
import { BG_ERROR_CONTEXT, errorCodeFor } from '../../rules/index.js';
import { HRESULT } from '../../protocol/index.js';
import { scenarioFlows } from '../flow.js';
import { fmtMs } from '../format.js';
import { fail, type Failure } from '../judge/failure.js';
import { closesOnComplete, completed, decisionOnFault, type ScenarioJudgement } from '../judge/scenario-kit.js';
import { callsOf, packets, sessionOf } from '../judge/timeline.js';
import type { Requirement, Scenario } from './types.js';

const SERVER = BG_ERROR_CONTEXT.REMOTE_FILE;
const CLOSE_ACK: Requirement = { source: 'win32: Ack for Close-Session', quote: 'The BITS client resends the Close-Session packet if the reason-code is in the range 500 through 599, unless the BITS-Error-Code header is present with a value of BG_E_SESSION_NOT_FOUND. The client will not retry for reason codes 100 through 499.' };
const CANCEL_ACK: Requirement = { source: 'win32: Ack for Cancel-Session', quote: 'The BITS client resends the Cancel-Session packet if the reason-code is in the range from 500 through 599, unless the BITS-Error-Code header is present with a value of BG_E_SESSION_NOT_FOUND.' };

/** The Close-Session requests of the faulted session; undefined (and not judged) when the client never closed it. */
function faultedCloses(j: ScenarioJudgement) {
  if (!j.faulted) {
    j.notJudged('PKT-CLOSE-RETRY', 'the client never sent Close-Session, so there was nothing to re-send (PKT-CLOSE-ONCE judges the missing close)');
    return undefined;
  }
  return packets(j.o, 'Close-Session').filter((e) => sessionOf(e) === sessionOf(j.faulted!));
}

/** 500-599: re-sent, after MinimumRetryDelay, with TRANSIENT_ERROR and the server's error meanwhile. */
function judgeCloseResent(j: ScenarioJudgement): Failure[] {
  const closes = faultedCloses(j);
  if (!closes) return completed(j, 'PKT-CLOSE-RETRY');
  const failures: Failure[] = [];
  const [first, second] = closes;
  if (!second) failures.push(fail('PKT-CLOSE-RETRY', `Close-Session got ${j.c.status} and was never sent again (${closes.length} sent)`));
  else if (second.t - first!.t < j.delay - j.tol) failures.push(fail('CLOSE-FAILURE', `Close-Session was re-sent ${fmtMs(second.t - first!.t)} after the ${j.c.status}; MinimumRetryDelay is ${fmtMs(j.delay)}`, { unwanted: [second.seq] }));
  if (!closesOnComplete(j)) failures.push(...decisionOnFault(j, 'CLOSE-FAILURE', 'ERR-CONTEXT-SERVER'));
  return [...failures, ...completed(j, 'PKT-CLOSE-RETRY')];
}

/** 100-499, or session-not-found: that session's Close-Session is not sent again (a new session may close). */
function judgeCloseNotResent(j: ScenarioJudgement): Failure[] {
  const closes = faultedCloses(j);
  if (!closes || closes.length <= 1) return [];
  const code = j.faulted!.response?.errorCode === HRESULT.BG_E_SESSION_NOT_FOUND ? ' + 0x8020001F' : '';
  return [fail('PKT-CLOSE-RETRY', `Close-Session got ${j.c.status}${code} and must not be re-sent for that session; it was sent ${closes.length} times`, { unwanted: closes.slice(1).map((e) => e.seq) })];
}

function closeResent<N extends 'close-500' | 'close-503' | 'close-599'>(name: N, status: number, why: string): Scenario<N> {
  return {
    name, title: `Close-Session fails once with ${status}${why}`,
    requirements: [CLOSE_ACK], status, jobType: 'upload', script: [200],
    faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status } }],
    rules: ['PKT-CLOSE-RETRY', 'CLOSE-FAILURE', 'ERR-CONTEXT-SERVER'],
    expected: { class: 'success', decision: { state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(status) } }, posts: 1, finalState: 'ACKNOWLEDGED' },
    flow: scenarioFlows.complete,
    judge: judgeCloseResent,
  };
}

export const close500 = closeResent('close-500', 500, ' and no error code (the first status it is re-sent on)');
export const close503 = closeResent('close-503', 503, '');
export const close599 = closeResent('close-599', 599, ' (the last status it is re-sent on)');

export const close404: Scenario<'close-404'> = {
  name: 'close-404', title: 'Close-Session fails with 404',
  requirements: [CLOSE_ACK], status: 404, jobType: 'upload', script: [200],
  faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 404 } }],
  rules: ['PKT-CLOSE-RETRY'],
  expected: { class: 'success', posts: 1, finalState: 'any' },
  flow: scenarioFlows.complete,
  judge: judgeCloseNotResent,
};

export const closeSessionNotFound: Scenario<'close-session-not-found'> = {
  name: 'close-session-not-found', title: 'Close-Session fails with 500 + 0x8020001F (session not found)',
  requirements: [CLOSE_ACK, { source: '[MC-BUP] 3.1.5.2.1', quote: 'If the BITS-Error value returned as part of the response is x8020001F, the client MUST restart the upload with a CREATE-SESSION message. This is true for all the messages except CANCEL-SESSION (section 3.1.5.2.6).' }],
  status: 500, jobType: 'upload', script: [200],
  faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 500, code: HRESULT.BG_E_SESSION_NOT_FOUND } }],
  rules: ['PKT-CLOSE-RETRY'],
  // The sources disagree on what follows (MC-BUP restarts the upload, win32 only forbids the re-send): either is accepted.
  expected: { class: 'success', posts: { min: 1, max: 2 }, finalState: 'any' },
  flow: scenarioFlows.complete,
  judge: judgeCloseNotResent,
};

/**
 * After cancel(): the job is CANCELLED, and a session that was open is ended with Cancel-Session, re-sent
 * on 5xx (after MinimumRetryDelay) or not on 4xx. Judged only on its premise: a session open at cancel().
 */
function judgeCancel(j: ScenarioJudgement, resend: boolean): Failure[] {
  const cancel = callsOf(j.o, 'cancel')[0];
  if (!cancel) {
    j.notJudged('JOB-CANCEL', 'the harness never called cancel()');
    return [];
  }
  const failures: Failure[] = [];
  const after = j.o.checkpoints['after-watch']?.state;
  if (!['ACKNOWLEDGED', 'CANCELLED'].includes(cancel.state) && after !== 'CANCELLED') failures.push(fail('JOB-CANCEL', `after cancel() in ${cancel.state} the job is ${after ?? 'not observed'}, not CANCELLED`));
  if (cancel.openSessions === 0) {
    j.notJudged('PKT-CLOSE-RETRY', `no session was open when the harness called cancel() (the job was ${cancel.state}): there was no Cancel-Session to send`);
    return failures;
  }
  const cancels = packets(j.o, 'Cancel-Session').filter((e) => e.seq > cancel.seen);
  const [first, second] = cancels;
  if (!first) return [...failures, fail('JOB-CANCEL', `a session was open at cancel(), and no Cancel-Session was sent`)];
  if (resend && !second) failures.push(fail('PKT-CLOSE-RETRY', `Cancel-Session got ${j.c.status} and was never sent again (${cancels.length} sent)`));
  else if (resend && second!.t - first.t < j.delay - j.tol) failures.push(fail('CLOSE-FAILURE', `Cancel-Session was re-sent ${fmtMs(second!.t - first.t)} after the ${j.c.status}; MinimumRetryDelay is ${fmtMs(j.delay)}`, { unwanted: [second!.seq] }));
  if (!resend && second) failures.push(fail('PKT-CLOSE-RETRY', `Cancel-Session got ${j.c.status} and must not be re-sent; it was sent ${cancels.length} times`, { unwanted: cancels.slice(1).map((e) => e.seq) }));
  return failures;
}

function cancelScenario<N extends 'cancel-503' | 'cancel-404'>(name: N, status: number): Scenario<N> {
  const resend = status >= 500;
  return {
    name, title: `the first fragment gets 503, the job is cancelled while it waits, and Cancel-Session fails${resend ? ' once' : ''} with ${status}`,
    requirements: [CANCEL_ACK, { source: 'win32: Cancel-Session', quote: 'The BITS client sends this packet when the user cancels the job.' }],
    status, jobType: 'upload', script: [200],
    faults: [
      { packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 503 } },
      { packet: 'Cancel-Session', nth: 1, action: { kind: 'server-error', status } },
    ],
    rules: resend ? ['PKT-CLOSE-RETRY', 'CLOSE-FAILURE', 'JOB-CANCEL', 'ERR-CONTEXT-SERVER', 'SERVER-ERROR-CLASS'] : ['PKT-CLOSE-RETRY', 'JOB-CANCEL'],
    expected: { class: 'transient', decision: { state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(503) } }, posts: 0, finalState: 'CANCELLED' },
    flow: scenarioFlows.cancel,
    // The fragment's 503 is judged in cancel-503 only: one case per rule is enough.
    judge: (j) => [...judgeCancel(j, resend), ...(resend ? decisionOnFault(j, 'SERVER-ERROR-CLASS', 'ERR-CONTEXT-SERVER') : [])],
  };
}

export const cancel503 = cancelScenario('cancel-503', 503);
export const cancel404 = cancelScenario('cancel-404', 404);

export const CLOSE_CANCEL_SCENARIOS = [close500, close503, close599, close404, closeSessionNotFound, cancel503, cancel404] as const;
