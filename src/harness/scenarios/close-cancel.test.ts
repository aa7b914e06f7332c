// The close and cancel scenarios' own checks (scenarios/close-cancel.ts) on observations built by hand,
// each at the edges of its premise, its evidence and its words. The expectations come from the rules:
// PKT-CLOSE-RETRY (Close-Session and Cancel-Session re-sent on 500-599 unless session-not-found, not on
// 100-499, counted per session), CLOSE-FAILURE (TRANSIENT_ERROR with the server's error while it waits,
// the re-send after MinimumRetryDelay, closing on complete() accepted), JOB-CANCEL (cancel() moves a job
// not yet ACKNOWLEDGED to CANCELLED and ends an open session with Cancel-Session) and ERR-CONTEXT-SERVER.
import { describe, expect, test } from 'vitest';
import { HRESULT } from '../../protocol/index.js';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import { call, checkpoint, judgeScenario, observation, request, scenarioCase, state } from '../judge/test-support.js';
import type { CallEntry, Observation, StateEntry } from '../observation.js';

/** The same case judged on the wall clock: MinimumRetryDelay 200 ms, 50 ms tolerance for lower bounds. */
const onWallClock = (c: ConformanceCase): ConformanceCase => ({ ...c, timing: { minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000, toleranceMs: 50 } });

const serverError = (seq: number, packetType: LedgerEntry['packetType'], status: number, more: Partial<LedgerEntry> = {}): LedgerEntry =>
  request(seq, packetType, { fault: 'server-error', response: { status }, ...more });

/** The server's own error for a status, as the rules give it: context 5 (REMOTE_FILE), 0x80190000 + status. */
const remote = (status: number) => ({ context: 5, code: 0x80190000 + status });
const MINUTE = 60_000;

describe('close-500: Close-Session gets 500 once, and is re-sent after MinimumRetryDelay', () => {
  const created = [request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } }), request(2, 'Fragment', { notifications: 1 })];
  const closed = (...closes: LedgerEntry[]) => [...created, serverError(3, 'Close-Session', 500, { t: 1000 }), ...closes];
  /** Closes before claiming TRANSFERRED: TRANSIENT_ERROR with the server's 500 while the close waits. */
  const closing = (ledger: LedgerEntry[], error = remote(500)) => observation({
    ledger,
    states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 3, error), state('TRANSFERRED', 4), state('ACKNOWLEDGED', 4)],
    calls: [call('createJob', 0), call('resume', 0), call('complete', 4, { state: 'TRANSFERRED' })],
    checkpoints: { 'after-complete': checkpoint('ACKNOWLEDGED') },
  });

  test('re-sent after the delay, TRANSIENT_ERROR with the 500 meanwhile, completed: nothing to name', () => {
    expect(judgeScenario('close-500', closing(closed(request(4, 'Close-Session', { t: 1000 + MINUTE }))))).toEqual({ failures: [], notJudged: [] });
  });

  test('never re-sent: PKT-CLOSE-RETRY, with how many were sent', () => {
    const { failures } = judgeScenario('close-500', closing(closed()));
    expect(failures).toEqual([{ rule: 'PKT-CLOSE-RETRY', message: expect.stringContaining('Close-Session got 500 and was never sent again') }]);
    expect(failures[0]!.message).toContain('(1 sent)');
  });

  test('a Close-Session of another session is no re-send of the faulted one', () => {
    const ledger = closed(
      request(4, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S2}' } }),
      request(5, 'Fragment', { sessionId: '{S2}', notifications: 2 }),
      request(6, 'Close-Session', { sessionId: '{S2}', t: 1000 + MINUTE }),
    );
    expect(judgeScenario('close-500', closing(ledger)).failures.map((f) => f.rule)).toEqual(['PKT-CLOSE-RETRY']);
  });

  test('re-sent before MinimumRetryDelay: CLOSE-FAILURE, with the gap and the delay, the re-send as evidence', () => {
    const { failures } = judgeScenario('close-500', closing(closed(request(4, 'Close-Session', { t: 11_000 }))));
    expect(failures).toEqual([{ rule: 'CLOSE-FAILURE', message: expect.stringContaining('Close-Session was re-sent 10 s after the 500'), evidence: { unwanted: [4] } }]);
    expect(failures[0]!.message).toContain('MinimumRetryDelay is 1 min');
  });

  test('on the wall clock a re-send within the tolerance of the delay is in time, one beyond it is not', () => {
    const c = onWallClock(scenarioCase('close-500'));
    const at = (gap: number) => judgeScenario('close-500', closing(closed(request(4, 'Close-Session', { t: 1000 + gap }))), c).failures;
    expect(at(160)).toEqual([]);
    expect(at(140).map((f) => f.rule)).toEqual(['CLOSE-FAILURE']);
  });

  test('the state while the close waits carries the server\'s error: a wrong context is ERR-CONTEXT-SERVER', () => {
    const { failures } = judgeScenario('close-500', closing(closed(request(4, 'Close-Session', { t: 1000 + MINUTE })), { context: 7, code: remote(500).code }));
    expect(failures).toEqual([{ rule: 'ERR-CONTEXT-SERVER', message: expect.stringContaining('observed { context 7, code 0x801901F4 }') }]);
  });

  test('closing on complete(), after ACKNOWLEDGED, is accepted: the state while it re-sends is not judged', () => {
    const o = observation({
      ledger: closed(request(4, 'Close-Session', { t: 1000 + MINUTE })),
      states: [state('TRANSFERRING', 1), state('TRANSFERRED', 2), state('ACKNOWLEDGED', 2)],
      calls: [call('createJob', 0), call('resume', 0), call('complete', 2, { state: 'TRANSFERRED' })],
      checkpoints: { 'after-complete': checkpoint('ACKNOWLEDGED') },
    });
    const { failures, notJudged } = judgeScenario('close-500', o);
    expect(failures).toEqual([]);
    expect(notJudged.map((x) => x.rule)).toEqual(['CLOSE-FAILURE']);
  });

  test('no Close-Session at all: the re-send is not judged, and the upload still had to complete', () => {
    const o = observation({ ledger: created, states: [state('TRANSFERRING', 1), state('TRANSFERRED', 2)], calls: [call('complete', 2)] });
    const { failures, notJudged } = judgeScenario('close-500', o);
    expect(notJudged).toEqual([{ rule: 'PKT-CLOSE-RETRY', reason: expect.stringContaining('never sent Close-Session') }]);
    expect(failures.map((f) => f.rule)).toEqual(['PKT-CLOSE-RETRY']);
    expect(failures[0]!.message).toContain('should complete');
    const acknowledged = observation({ ...o, checkpoints: { 'after-complete': checkpoint('ACKNOWLEDGED') } });
    expect(judgeScenario('close-500', acknowledged).failures).toEqual([]);
  });
});

describe('close-404 and session-not-found: that session\'s Close-Session is not sent again', () => {
  const created = [request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } }), request(2, 'Fragment', { notifications: 1 })];
  const notFound = (seq: number) => serverError(seq, 'Close-Session', 500, { response: { status: 500, errorCode: HRESULT.BG_E_SESSION_NOT_FOUND } });

  test('sent once: nothing to name', () => {
    expect(judgeScenario('close-404', observation({ ledger: [...created, serverError(3, 'Close-Session', 404)] }))).toEqual({ failures: [], notJudged: [] });
  });

  test('re-sent after a 404: PKT-CLOSE-RETRY with the status and the count, every re-send as evidence', () => {
    const ledger = [...created, serverError(3, 'Close-Session', 404), request(4, 'Close-Session'), request(5, 'Close-Session')];
    const { failures } = judgeScenario('close-404', observation({ ledger }));
    expect(failures).toEqual([{ rule: 'PKT-CLOSE-RETRY', message: expect.stringContaining('Close-Session got 404 and must not be re-sent'), evidence: { unwanted: [4, 5] } }]);
    expect(failures[0]!.message).toContain('sent 3 times');
  });

  test('re-sent after session-not-found: the message names the error code the server gave', () => {
    const { failures } = judgeScenario('close-session-not-found', observation({ ledger: [...created, notFound(3), request(4, 'Close-Session')] }));
    expect(failures).toEqual([{ rule: 'PKT-CLOSE-RETRY', message: expect.stringContaining('Close-Session got 500 + 0x8020001F and must not be re-sent'), evidence: { unwanted: [4] } }]);
  });

  test('after session-not-found the client may restart, and the new session closes: no re-send', () => {
    const ledger = [
      ...created, notFound(3),
      request(4, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S2}' } }),
      request(5, 'Fragment', { sessionId: '{S2}', notifications: 2 }),
      request(6, 'Close-Session', { sessionId: '{S2}' }),
    ];
    expect(judgeScenario('close-session-not-found', observation({ ledger })).failures).toEqual([]);
  });

  test('a faulted Close-Session recorded without its answer is still judged, without a code', () => {
    const ledger = [...created, request(3, 'Close-Session', { fault: 'server-error', response: undefined }), request(4, 'Close-Session')];
    const { failures } = judgeScenario('close-404', observation({ ledger }));
    expect(failures.map((f) => f.rule)).toEqual(['PKT-CLOSE-RETRY']);
    expect(failures[0]!.message).toContain('Close-Session got 404 and must not be re-sent');
  });

  test('no Close-Session at all: not judged here (PKT-CLOSE-ONCE names the missing close)', () => {
    const { failures, notJudged } = judgeScenario('close-404', observation({ ledger: created }));
    expect(failures).toEqual([]);
    expect(notJudged.map((x) => x.rule)).toEqual(['PKT-CLOSE-RETRY']);
  });
});

describe('cancel-503 and cancel-404: cancel() while the first fragment\'s 503 waits, and Cancel-Session fails', () => {
  /** The first fragment gets 503 at t=1000: TRANSIENT_ERROR with the server's 503; cancel() is called then. */
  const waiting = [request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } }), serverError(2, 'Fragment', 503, { t: 1000 })];
  const cancelled = (ledger: LedgerEntry[], more: Partial<Observation> = {}, cancelCall: Partial<CallEntry> = {}) => observation({
    ledger: [...waiting, ...ledger],
    states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 2, remote(503)), state('CANCELLED', 2)],
    calls: [call('createJob', 0), call('resume', 0), call('cancel', 2, { state: 'TRANSIENT_ERROR', ...cancelCall })],
    checkpoints: { 'after-watch': checkpoint('CANCELLED') },
    ...more,
  });
  const cancelFailed = (status: number, t = 2000) => serverError(3, 'Cancel-Session', status, { t });

  test('cancel-503: re-sent after the delay, the job CANCELLED: nothing to name', () => {
    expect(judgeScenario('cancel-503', cancelled([cancelFailed(503), request(4, 'Cancel-Session', { t: 2000 + MINUTE })]))).toEqual({ failures: [], notJudged: [] });
  });

  test('cancel-503: never re-sent: PKT-CLOSE-RETRY, with how many were sent', () => {
    const { failures } = judgeScenario('cancel-503', cancelled([cancelFailed(503)]));
    expect(failures).toEqual([{ rule: 'PKT-CLOSE-RETRY', message: expect.stringContaining('Cancel-Session got 503 and was never sent again') }]);
    expect(failures[0]!.message).toContain('(1 sent)');
  });

  test('cancel-503: re-sent before MinimumRetryDelay: CLOSE-FAILURE, with the gap and the delay, the re-send as evidence', () => {
    const { failures } = judgeScenario('cancel-503', cancelled([cancelFailed(503), request(4, 'Cancel-Session', { t: 12_000 })]));
    expect(failures).toEqual([{ rule: 'CLOSE-FAILURE', message: expect.stringContaining('Cancel-Session was re-sent 10 s after the 503'), evidence: { unwanted: [4] } }]);
    expect(failures[0]!.message).toContain('MinimumRetryDelay is 1 min');
  });

  test('cancel-503 on the wall clock: a re-send within the tolerance of the delay is in time, one beyond it is not', () => {
    const c = onWallClock(scenarioCase('cancel-503'));
    const at = (gap: number) => judgeScenario('cancel-503', cancelled([cancelFailed(503), request(4, 'Cancel-Session', { t: 2000 + gap })]), c).failures;
    expect(at(160)).toEqual([]);
    expect(at(140).map((f) => f.rule)).toEqual(['CLOSE-FAILURE']);
  });

  test('cancel-404: sent once: nothing to name, and the fragment\'s 503 is judged in cancel-503 only', () => {
    const wrongDecision = { states: [state('TRANSFERRING', 1), state('ERROR', 2, { context: 7, code: 1 }), state('CANCELLED', 2)] };
    expect(judgeScenario('cancel-404', cancelled([cancelFailed(404)], wrongDecision))).toEqual({ failures: [], notJudged: [] });
  });

  test('cancel-404: re-sent: PKT-CLOSE-RETRY with the status and the count, every re-send as evidence', () => {
    const { failures } = judgeScenario('cancel-404', cancelled([cancelFailed(404), request(4, 'Cancel-Session', { t: 2000 + MINUTE }), request(5, 'Cancel-Session', { t: 2000 + 2 * MINUTE })]));
    expect(failures).toEqual([{ rule: 'PKT-CLOSE-RETRY', message: expect.stringContaining('Cancel-Session got 404 and must not be re-sent'), evidence: { unwanted: [4, 5] } }]);
    expect(failures[0]!.message).toContain('sent 3 times');
  });

  test('a Cancel-Session the client sent before cancel() does not end the session cancel() found open', () => {
    // Request 3 is the last the server had seen when cancel() was called: it came before the call.
    const { failures } = judgeScenario('cancel-503', cancelled([cancelFailed(503)], {}, { seen: 3 }));
    expect(failures).toEqual([{ rule: 'JOB-CANCEL', message: expect.stringContaining('no Cancel-Session was sent') }]);
  });

  test('cancel() leaves the job short of CANCELLED: JOB-CANCEL, with the state before and after', () => {
    const o = cancelled([cancelFailed(404)], { checkpoints: { 'after-watch': checkpoint('QUEUED') } });
    const { failures } = judgeScenario('cancel-404', o);
    expect(failures).toEqual([{ rule: 'JOB-CANCEL', message: expect.stringContaining('in TRANSIENT_ERROR the job is QUEUED, not CANCELLED') }]);
  });

  test('cancel() with no state watched after it: JOB-CANCEL, saying the state was not observed', () => {
    const { failures } = judgeScenario('cancel-404', cancelled([cancelFailed(404)], { checkpoints: {} }));
    expect(failures).toEqual([{ rule: 'JOB-CANCEL', message: expect.stringContaining('the job is not observed, not CANCELLED') }]);
  });

  test('a job already ACKNOWLEDGED or CANCELLED at cancel() has nothing to move', () => {
    const noSession = { openSessions: 0 };
    const acknowledged = cancelled([], { checkpoints: { 'after-watch': checkpoint('ACKNOWLEDGED') } }, { state: 'ACKNOWLEDGED', ...noSession });
    expect(judgeScenario('cancel-404', acknowledged).failures).toEqual([]);
    const alreadyCancelled = cancelled([], { checkpoints: {} }, { state: 'CANCELLED', ...noSession });
    expect(judgeScenario('cancel-404', alreadyCancelled).failures).toEqual([]);
  });

  test('no session open at cancel(): no Cancel-Session is due, and the re-send is not judged', () => {
    const { failures, notJudged } = judgeScenario('cancel-503', cancelled([], {}, { state: 'TRANSIENT_ERROR', openSessions: 0 }));
    expect(failures).toEqual([]);
    expect(notJudged).toEqual([{ rule: 'PKT-CLOSE-RETRY', reason: expect.stringContaining('no session was open when the harness called cancel() (the job was TRANSIENT_ERROR)') }]);
    // The job must still reach CANCELLED.
    const stuck = cancelled([], { checkpoints: { 'after-watch': checkpoint('TRANSIENT_ERROR') } }, { openSessions: 0 });
    expect(judgeScenario('cancel-503', stuck).failures.map((f) => f.rule)).toEqual(['JOB-CANCEL']);
  });

  test('the harness never called cancel(): JOB-CANCEL is not judged', () => {
    const o = cancelled([], { calls: [call('createJob', 0), call('resume', 0)] });
    expect(judgeScenario('cancel-404', o)).toEqual({ failures: [], notJudged: [{ rule: 'JOB-CANCEL', reason: expect.stringContaining('never called cancel()') }] });
  });

  test('cancel-503 also judges the fragment\'s 503: transient (SERVER-ERROR-CLASS), with the server\'s error (ERR-CONTEXT-SERVER)', () => {
    const ledger = [cancelFailed(503), request(4, 'Cancel-Session', { t: 2000 + MINUTE })];
    const decided = (s: StateEntry) => cancelled(ledger, { states: [state('TRANSFERRING', 1), s, state('CANCELLED', 2)] });
    expect(judgeScenario('cancel-503', decided(state('ERROR', 2, remote(503)))).failures.map((f) => f.rule)).toEqual(['SERVER-ERROR-CLASS']);
    expect(judgeScenario('cancel-503', decided(state('TRANSIENT_ERROR', 2, { context: 7, code: remote(503).code }))).failures.map((f) => f.rule)).toEqual(['ERR-CONTEXT-SERVER']);
  });
});
