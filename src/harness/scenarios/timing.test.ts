// The timing scenarios' own judges (scenarios/timing.ts) on observations built by hand: each check at the
// edges of its premise, its evidence and its words. The expectations come from the rules and the
// scenarios' quoted requirements: Resume() starts the job at once (RESUME-RESTARTS); NoProgressTimeout 0
// makes every error fatal, and a retry delay over the no-progress timeout means no retry (no request
// after the error, ERROR with the application's error); progress restarts the no-progress timer, so the
// job gives up no sooner than NoProgressTimeout after the error that followed the progress, and no later
// than the retry that NoProgressTimeout still allowed (TIMING-PROGRESS-RESETS, JOB-NPT).
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import { scenarioCases, type ConformanceCase } from '../cases.js';
import { call as callAt, judgeScenario, observation, posted, request, stateAt as state } from '../judge/test-support.js';
import type { CallEntry, Observation, StateEntry } from '../observation.js';
import { realTimeProfile } from '../timing.js';
import { delayOverNpt, nptZero, progressResets, resumeTransient } from './timing.js';
import type { Scenario } from './types.js';

const call = (name: CallEntry['call'], seen: number, state = 'TRANSIENT_ERROR'): CallEntry => callAt(name, seen, { state });
/** The final Fragment, posted to the application, which answered `status`. */
const post = (seq: number, t: number, status = 503): LedgerEntry => posted(seq, t, status);
/** The application's 503, as the rules name it: context 7 (REMOTE_APPLICATION), code 0x80190000 + 503. */
const app503 = { context: 7, code: 0x801901f7 };
const acknowledged = { 'after-complete': { t: 0, state: 'ACKNOWLEDGED', error: null } } as const;

const caseOf = (s: Scenario, profile = realTimeProfile()): ConformanceCase => scenarioCases(profile, [s.name])[0]!;
const virtualCase = (s: Scenario): ConformanceCase => scenarioCases(undefined, [s.name])[0]!;
const judgeWith = (s: Scenario, c: ConformanceCase, o: Observation) => judgeScenario(s.name, o, c).failures;

describe('resume-transient: Resume() on a job waiting in TRANSIENT_ERROR sends, and the upload completes', () => {
  const c = virtualCase(resumeTransient);
  const judged = (o: Observation) => judgeWith(resumeTransient, c, o);
  // The first resume() starts the job; the second is made in TRANSIENT_ERROR after the application's 503 (request #2).
  const waiting = { calls: [call('resume', 0, 'SUSPENDED'), call('resume', 2)], states: [state('TRANSIENT_ERROR', 2, 0, app503)] };

  test('a request after the resume(), then ACKNOWLEDGED: nothing to say', () => {
    const o = observation({ ...waiting, ledger: [request(1, 'Create-Session'), post(2, 0), request(3, 'Ping'), post(4, 0, 200)], checkpoints: acknowledged });
    expect(judged(o)).toEqual([]);
  });

  test('nothing sent after the resume() is named under RESUME-RESTARTS, beside the upload that did not complete', () => {
    // Request #2 came before the resume() (it had been seen): it is not what the resume() sent.
    const f = judged(observation({ ...waiting, ledger: [request(1, 'Create-Session'), post(2, 0)] }));
    expect(f.map((x) => x.rule)).toEqual(['RESUME-RESTARTS', 'RESUME-RESTARTS']);
    expect(f[0]!.message).toContain('resume() in TRANSIENT_ERROR sent nothing');
    expect(f[1]!.message).toContain(`the upload should complete despite ${resumeTransient.title}; the job ended TRANSIENT_ERROR`);
  });

  test('only a request after the second resume() counts as sent by it', () => {
    const o = observation({ ...waiting, calls: [call('resume', 0, 'SUSPENDED'), call('resume', 4)], ledger: [request(1, 'Create-Session'), post(2, 0), request(3, 'Ping'), request(4, 'Fragment')], checkpoints: acknowledged });
    expect(judged(o).map((x) => x.message)).toEqual(['interpretation: resume() in TRANSIENT_ERROR sent nothing']);
  });

  test('a job never resumed in TRANSIENT_ERROR is named under JOB-TRANSIENT', () => {
    const f = judged(observation({ ...waiting, calls: [call('resume', 0, 'SUSPENDED')], ledger: [request(1, 'Create-Session'), post(2, 0)] }));
    expect(f).toEqual([expect.objectContaining({ rule: 'JOB-TRANSIENT' })]);
  });
});

describe.for([
  ['npt-zero', nptZero, 'TIMING-NPT-ZERO'],
  ['delay-over-npt', delayOverNpt, 'TIMING-DELAY-OVER-NPT'],
] as const)('%s: no retry after the error, and ERROR with the application\'s error', ([, s, rule]) => {
  const c = virtualCase(s);
  const judged = (o: Observation) => judgeWith(s, c, o);
  const ledger = [request(1, 'Create-Session'), post(2, 1_000)];
  const gaveUp = [state('ERROR', 2, 1_000, app503)];

  test('ERROR with the application\'s error and nothing sent after the post: nothing to say', () => {
    expect(judged(observation({ ledger, states: gaveUp }))).toEqual([]);
  });

  test('every request after the error is named, with its time from the error, as evidence', () => {
    const retried = [...ledger, request(3, 'Ping', { t: 61_000 }), request(4, 'Create-Session', { t: 61_500 })];
    const [f, ...rest] = judged(observation({ ledger: retried, states: gaveUp }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ rule, evidence: { unwanted: [3, 4] } });
    expect(f!.message).toContain('2 request(s) after the error (first: Ping at +1 min)');
  });

  test('a job that never moved to ERROR', () => {
    const f = judged(observation({ ledger, states: [state('TRANSIENT_ERROR', 2, 1_000, app503)] }));
    expect(f.map((x) => x.rule)).toEqual(s === nptZero ? [rule, rule] : [rule]);
    expect(f.at(-1)!.message).toContain('the job never moved to ERROR (states: TRANSIENT_ERROR)');
  });

  test('ERROR with another error than the application\'s 503', () => {
    const f = judged(observation({ ledger, states: [state('ERROR', 2, 1_000, { context: 5, code: 0x801901f4 })] }));
    expect(f.map((x) => x.rule)).toEqual(['APP-CONTEXT', 'ERR-CODE']);
    expect(f[1]!.message).toContain('expected code 0x801901F7');
  });

  test('a job that never posted the file', () => {
    expect(judged(observation({ ledger: [request(1, 'Create-Session')], states: gaveUp }))).toEqual([expect.objectContaining({ rule, message: expect.stringContaining('never reached the server application') })]);
  });
});

describe('npt-zero: with NoProgressTimeout 0 the error is fatal at once', () => {
  const ledger = [request(1, 'Create-Session'), post(2, 1_000)];
  const waitedFirst = observation({ ledger, states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 2, 1_000, app503), state('ERROR', 2, 2_000, app503)] });

  test('TRANSIENT_ERROR after the final Ack is named, with that state as evidence', () => {
    const [f, ...rest] = judgeWith(nptZero, virtualCase(nptZero), waitedFirst);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ rule: 'TIMING-NPT-ZERO', evidence: { claims: [1] } });
    expect(f!.message).toContain('expected ERROR after the final Ack, observed TRANSIENT_ERROR');
  });

  test('a retry delay over NoProgressTimeout only asks for ERROR in the end, with no retry', () => {
    expect(judgeWith(delayOverNpt, virtualCase(delayOverNpt), waitedFirst)).toEqual([]);
  });
});

describe('progress-resets: the no-progress timer counts from the error after the progress', () => {
  // A 503 from the server to Fragment #2 (the scripted fault); its retry made progress and the final
  // Fragment (#4) was posted at +60 s; the application's 503 from there on; the job gives up `after` later.
  const ledger = (posted = 60_000) => [request(1, 'Create-Session'), request(2, 'Fragment', { fault: 'server-error', response: { status: 503 } }), request(3, 'Fragment', { t: 30_000 }), post(4, posted)];
  const gaveUp = (after: number, posted = 60_000, error: StateEntry['error'] = app503) => [state('TRANSIENT_ERROR', 2, 0), state('TRANSIENT_ERROR', 4, posted, app503), state('ERROR', 4, posted + after, error)];
  const judged = (c: ConformanceCase, o: Observation) => judgeWith(progressResets, c, o);

  describe('in virtual time: MinimumRetryDelay 60 s, NoProgressTimeout 2.5 delays (150 s)', () => {
    const c = virtualCase(progressResets);

    test('ERROR from NoProgressTimeout to NoProgressTimeout and one delay after the post: nothing to say', () => {
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(150_000) }))).toEqual([]);
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(210_000) }))).toEqual([]);
    });

    test('giving up before NoProgressTimeout counted from the post is named, with the ERROR state as evidence', () => {
      const [f, ...rest] = judged(c, observation({ ledger: ledger(), states: gaveUp(149_999) }));
      expect(rest).toEqual([]);
      expect(f).toMatchObject({ rule: 'TIMING-PROGRESS-RESETS', evidence: { claims: [2] } });
      expect(f!.message).toContain('the job gave up 2 min 29 s after');
      expect(f!.message).toContain('before NoProgressTimeout 2 min 30 s');
    });

    test('giving up later than NoProgressTimeout and one more delay is named under JOB-NPT', () => {
      const [f, ...rest] = judged(c, observation({ ledger: ledger(), states: gaveUp(211_000) }));
      expect(rest).toEqual([]);
      expect(f).toMatchObject({ rule: 'JOB-NPT' });
      expect(f!.message).toContain('ERROR only 3 min 31 s after');
      expect(f!.message).toContain('NoProgressTimeout is 2 min 30 s');
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(210_001) })).map((x) => x.rule)).toEqual(['JOB-NPT']);
    });

    test('ERROR with another error than the application\'s 503', () => {
      const f = judged(c, observation({ ledger: ledger(), states: gaveUp(150_000, 60_000, { context: 5, code: 0x801901f7 }) }));
      expect(f).toEqual([expect.objectContaining({ rule: 'APP-CONTEXT', message: 'expected context 7 in ERROR, observed 5' })]);
    });

    test('a job that never moved to ERROR', () => {
      const f = judged(c, observation({ ledger: ledger(), states: gaveUp(150_000).slice(0, 2) }));
      expect(f).toEqual([expect.objectContaining({ rule: 'JOB-NPT', message: 'the job never moved to ERROR (posts: 1)' })]);
    });

    test('the scripted fault never reached: the check could not be made, a consequence', () => {
      const o = observation({ ledger: [request(1, 'Create-Session'), post(2, 60_000)], states: gaveUp(1_000) });
      expect(judged(c, o)).toEqual([expect.objectContaining({ rule: 'TIMING-PROGRESS-RESETS', consequence: true })]);
    });

    test('the fault reached, and the file never posted', () => {
      const o = observation({ ledger: ledger().slice(0, 3), states: gaveUp(150_000) });
      expect(judged(c, o)).toEqual([expect.objectContaining({ rule: 'TIMING-PROGRESS-RESETS', message: expect.stringContaining('never reached the server application') })]);
    });
  });

  describe('on the wall clock: MinimumRetryDelay 200 ms, NoProgressTimeout 500 ms, tolerance 50 ms, 1 s to observe a state', () => {
    const c = caseOf(progressResets);

    test('the lower bound allows the tolerance', () => {
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(450) }))).toEqual([]);
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(449) })).map((x) => x.rule)).toEqual(['TIMING-PROGRESS-RESETS']);
    });

    test('the upper bound allows the tolerance and the time to observe a state', () => {
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(1_750) }))).toEqual([]);
      expect(judged(c, observation({ ledger: ledger(), states: gaveUp(1_751) })).map((x) => x.rule)).toEqual(['JOB-NPT']);
    });
  });
});
