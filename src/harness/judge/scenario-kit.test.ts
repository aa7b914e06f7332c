// The checks every scenario shares (judge/scenario-kit.ts) on observations built by hand: each at the
// edges of its premise, with its evidence and its words. The expectations come from the rules: the
// decision the scenario expects (the case's own expectation), JOB-SUCCESS, MinimumRetryDelay before a
// retry, JOB-FATAL's quiet until Resume, Cancel or Complete, and CLOSE-FAILURE's closing on complete().
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import type { CallEntry, Observation, StateEntry } from '../observation.js';
import type { NotJudged } from './failure.js';
import { closesOnComplete, completed, decisionOnFault, quietAfterFault, scenarioJudgement, waitedAfterFault } from './scenario-kit.js';
import { call as callEntry, caseOf, observation, request, state } from './test-support.js';

/** A 500 to a Fragment: transient, the server's error (context 5) with its code; MinimumRetryDelay 60 s, virtual time. */
const transient = caseOf('scenario/fragment-500');
/** A 403 to a Fragment from the server itself: fatal. */
const fatal = caseOf('scenario/server-denied-403');
const TITLE = 'the scripted fault';

/** A call made while the job was in ERROR. */
const call = (name: CallEntry['call'], seen: number): CallEntry => callEntry(name, seen, { state: 'ERROR' });
const faulted = (seq: number, t = 0): LedgerEntry => request(seq, 'Fragment', { t, fault: 'server-error', response: { status: 500 } });
const judgement = (c: ConformanceCase, o: Observation, notJudged: NotJudged[] = []) => scenarioJudgement(c, o, TITLE, notJudged);

describe('decisionOnFault: the decision after the faulted request against the one the scenario expects', () => {
  // SERVER-ERROR-CLASS is an interpretation (its failures say so), ERR-CONTEXT-SERVER a rule.
  const decide = (c: ConformanceCase, o: Observation) => decisionOnFault(judgement(c, o), 'SERVER-ERROR-CLASS', 'ERR-CONTEXT-SERVER');
  // The server's own 500: its error (context 5, REMOTE_FILE), code 0x80190000 + 500.
  const wanted = { context: 5, code: 0x801901f4 };

  test('the right state with the right error', () => {
    expect(decide(transient, observation({ ledger: [faulted(2)], states: [state('TRANSIENT_ERROR', 2, wanted)] }))).toEqual([]);
  });

  test('a fault never reached cannot be judged: a consequence under the state rule', () => {
    expect(decide(transient, observation({ ledger: [request(1, 'Create-Session')], states: [state('TRANSIENT_ERROR', 1, wanted)] }))).toEqual([
      expect.objectContaining({ rule: 'SERVER-ERROR-CLASS', consequence: true }),
    ]);
  });

  test('a job that never settled after the fault (states before it, or in progress, do not count)', () => {
    const o = observation({ ledger: [request(1, 'Create-Session'), faulted(2)], states: [state('TRANSIENT_ERROR', 1, wanted), state('TRANSFERRING', 2)] });
    expect(decide(transient, o)).toEqual([{ rule: 'SERVER-ERROR-CLASS', message: `interpretation: after ${TITLE}, the job never settled (states: TRANSIENT_ERROR -> TRANSFERRING)` }]);
  });

  test('a wrong state is named with the state as evidence, and its error is not judged beside it', () => {
    const o = observation({ ledger: [faulted(2)], states: [state('TRANSFERRING', 1), state('ERROR', 2, { context: 1, code: 1 })] });
    expect(decide(transient, o)).toEqual([{ rule: 'SERVER-ERROR-CLASS', message: `interpretation: after ${TITLE}, expected TRANSIENT_ERROR, observed ERROR`, evidence: { claims: [1] } }]);
  });

  test('a wrong error under the error rule, in the words of what was expected', () => {
    const o = (error: StateEntry['error']) => observation({ ledger: [faulted(2)], states: [state('TRANSIENT_ERROR', 2, error)] });
    expect(decide(transient, o({ context: 7, code: wanted.code }))).toEqual([
      { rule: 'ERR-CONTEXT-SERVER', message: `after ${TITLE}, expected error { context 5, code 0x801901F4 }, observed { context 7, code 0x801901F4 }` },
    ]);
    expect(decide(transient, o(null))[0]!.message).toBe(`after ${TITLE}, expected error { context 5, code 0x801901F4 }, observed none`);
    const dropped = caseOf('scenario/dropped-mid-upload');
    expect(decide(dropped, o({ context: 5, code: 1 }))[0]!.message).toBe(`after ${TITLE}, expected an error with context 6 (GENERAL_TRANSPORT: the connection broke), observed { context 5, code 0x00000001 }`);
  });

  test('a decision the case expects without an error, reported with one', () => {
    const quiet: ConformanceCase = { ...transient, expected: { ...transient.expected, decision: { state: 'TRANSIENT_ERROR', error: null } } };
    const o = observation({ ledger: [faulted(2)], states: [state('TRANSIENT_ERROR', 2, { context: 5, code: 1 })] });
    expect(decide(quiet, o)[0]!.message).toBe(`after ${TITLE}, expected no error, observed { context 5, code 0x00000001 }`);
    expect(decide(quiet, observation({ ledger: [faulted(2)], states: [state('TRANSIENT_ERROR', 2)] }))).toEqual([]);
  });
});

describe('completed: complete() made the job ACKNOWLEDGED despite the fault', () => {
  const done = (o: Observation) => completed(judgement(transient, o), 'JOB-TRANSIENT');

  test('ACKNOWLEDGED after complete()', () => {
    expect(done(observation({ checkpoints: { 'after-complete': { t: 0, state: 'ACKNOWLEDGED', error: null } } }))).toEqual([]);
  });

  test('complete() reached but the job not ACKNOWLEDGED: JOB-SUCCESS, not the scenario\'s rule', () => {
    expect(done(observation({ checkpoints: { 'after-complete': { t: 0, state: 'TRANSFERRED', error: null } } }))).toEqual([
      { rule: 'JOB-SUCCESS', message: 'expected ACKNOWLEDGED after complete(), observed TRANSFERRED' },
    ]);
  });

  test('never completed: the scenario\'s rule, with where the job ended', () => {
    expect(done(observation({ states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 2), state('ERROR', 3)] }))).toEqual([
      { rule: 'JOB-TRANSIENT', message: `the upload should complete despite ${TITLE}; the job ended ERROR (states: TRANSFERRING -> TRANSIENT_ERROR -> ERROR)` },
    ]);
    expect(done(observation())[0]!.message).toBe(`the upload should complete despite ${TITLE}; the job ended nowhere (states: none)`);
  });
});

describe('waitedAfterFault: the first request after the fault came only after MinimumRetryDelay', () => {
  const waited = (o: Observation) => waitedAfterFault(judgement(transient, o), 'JOB-TRANSIENT');
  const delay = transient.timing.minimumRetryDelayMs;

  test('too early: named, with that request as evidence', () => {
    const o = observation({ ledger: [faulted(2, 50_000), request(3, 'Ping', { t: 70_000 })] });
    expect(delay).toBe(60_000);
    expect(waited(o)).toEqual([{ rule: 'JOB-TRANSIENT', message: `the first request after ${TITLE} came 20 s after it; MinimumRetryDelay is 1 min`, evidence: { unwanted: [3] } }]);
  });

  test('at the delay or later, or no request at all, or no fault reached: nothing to name', () => {
    expect(waited(observation({ ledger: [faulted(2, 50_000), request(3, 'Ping', { t: 50_000 + delay })] }))).toEqual([]);
    expect(waited(observation({ ledger: [request(1, 'Ping'), faulted(2, 50_000)] }))).toEqual([]);
    expect(waited(observation({ ledger: [request(1, 'Ping'), request(2, 'Ping', { t: 1 })] }))).toEqual([]);
  });
});

describe('quietAfterFault (JOB-FATAL): after its ERROR decision, no request until Resume, Cancel or Complete', () => {
  const quiet = (o: Partial<Observation>) => quietAfterFault(judgement(fatal, observation({ states: [state('ERROR', 3)], ...o })));
  const ledger = [request(1, 'Create-Session'), faulted(3, 1000), request(4, 'Ping', { t: 3000 }), request(5, 'Ping', { t: 4000 })];

  test('requests before the harness acted are named, all as evidence, the first with its delay', () => {
    expect(quiet({ ledger, calls: [call('createJob', 0), call('resume', 0), call('resume', 4)] })).toEqual([
      { rule: 'JOB-FATAL', message: "1 request(s) after the job's fatal error, before the harness acted (first: Ping at +2 s)", evidence: { unwanted: [4] } },
    ]);
    // No call after the fault: every later request broke the quiet (the first resume() started the job).
    expect(quiet({ ledger, calls: [call('createJob', 0), call('resume', 0)] })[0]!.evidence).toEqual({ unwanted: [4, 5] });
  });

  test.for(['resume', 'cancel', 'complete'] as const)('a %s() made right after the fault ends the quiet', (name) => {
    expect(quiet({ ledger, calls: [call('createJob', 0), call('resume', 0), call(name, 3)] })).toEqual([]);
  });

  test('a suspend() does not end it: JOB-FATAL names only Resume, Cancel and Complete', () => {
    expect(quiet({ ledger, calls: [call('resume', 0), call('suspend', 3)] })[0]!.evidence).toEqual({ unwanted: [4, 5] });
  });

  test('not judged when the fault was never reached, or the job did not decide ERROR after it', () => {
    expect(quiet({ ledger: [request(1, 'Create-Session'), request(2, 'Ping')] })).toEqual([]);
    expect(quiet({ ledger, states: [state('TRANSIENT_ERROR', 3)] })).toEqual([]);
    // A job that never settled after the fault is named by the decision's own rule, not here.
    expect(quiet({ ledger, states: [state('TRANSFERRING', 3)] })).toEqual([]);
  });
});

describe('closesOnComplete (CLOSE-FAILURE): a client that closes the faulted session on complete()', () => {
  const close = (seq: number) => request(seq, 'Close-Session', { fault: 'server-error', response: { status: 500 } });

  test('the faulted Close-Session came after complete() was called: accepted, and the state while it re-sends not judged', () => {
    const notJudged: NotJudged[] = [];
    expect(closesOnComplete(judgement(transient, observation({ ledger: [close(4)], calls: [call('complete', 3)] }), notJudged))).toBe(true);
    expect(notJudged).toEqual([{ rule: 'CLOSE-FAILURE', reason: 'the client closes the session on complete(), after ACKNOWLEDGED: the state while it re-sends is not judged' }]);
  });

  test.for([
    ['the close came before complete() was called', [close(4)], [call('resume', 0), call('complete', 4)]],
    ['complete() was never called', [close(4)], [call('resume', 0)]],
    ['no fault was reached', [request(4, 'Close-Session')], [call('complete', 3)]],
  ] as const)('not so when %s', ([, ledger, calls]) => {
    const notJudged: NotJudged[] = [];
    expect(closesOnComplete(judgement(transient, observation({ ledger: [...ledger], calls: [...calls] }), notJudged))).toBe(false);
    expect(notJudged).toEqual([]);
  });
});
