// The offset scenarios' own checks (scenarios/offsets.ts) on observations built by hand, each at the
// edges of its premise, its evidence and its words. The expectations come from the rules: the upload
// completes from the offset the server names (PKT-RESUME-OFFSET), and a job whose Acks never advance
// reaches ERROR by NoProgressTimeout, counted from its first error (ACK-NO-PROGRESS), then stays quiet
// (JOB-FATAL).
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import { scenarioJudgement } from '../judge/scenario-kit.js';
import { caseOf, observation, requestAt as request, stateAt as state } from '../judge/test-support.js';
import type { Observation } from '../observation.js';
import { ackBehind, stalledServer } from './offsets.js';

describe('ack-behind (PKT-RESUME-OFFSET): the upload completes from the offset the Ack names', () => {
  const c = caseOf('scenario/ack-behind');
  const judged = (o: Observation) => ackBehind.judge(scenarioJudgement(c, o, ackBehind.title, []));

  test('ACKNOWLEDGED after complete(): nothing to name; never completed: PKT-RESUME-OFFSET, with where the job ended', () => {
    expect(judged(observation({ checkpoints: { 'after-complete': { t: 0, state: 'ACKNOWLEDGED', error: null } } }))).toEqual([]);
    expect(judged(observation({ states: [state('TRANSFERRING', 1), state('ERROR', 3)] }))).toEqual([
      { rule: 'PKT-RESUME-OFFSET', message: expect.stringMatching(/the upload should complete despite .*; the job ended ERROR/) },
    ]);
  });
});

describe('stalled-server (ACK-NO-PROGRESS): ERROR by NoProgressTimeout from the first error, then quiet', () => {
  /** MinimumRetryDelay 60 s, NoProgressTimeout 2.5 delays (150 s), virtual time: no tolerance, no slack. */
  const virtual = caseOf('scenario/stalled-server');
  /** The same on the wall clock: 1 s tolerance, and 1 s of observation slack on upper bounds. */
  const wall: ConformanceCase = { ...virtual, timing: { ...virtual.timing, toleranceMs: 1000 } };
  const { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt } = virtual.timing;
  const judged = (o: Observation, c = virtual) => stalledServer.judge(scenarioJudgement(c, o, stalledServer.title, []));

  const FIRST_ERROR = 10_000;
  /** Three stalled fragments, a transient error at 10 s, then ERROR `after` ms later; `more` requests after. */
  const stalled = (after: number, more: LedgerEntry[] = []) => observation({
    ledger: [request(1, 'Create-Session'), request(2, 'Fragment'), request(3, 'Fragment', 5_000), request(4, 'Fragment', 80_000), ...more],
    states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 3, FIRST_ERROR), state('ERROR', 4, FIRST_ERROR + after)],
  });
  const gaveUpAt = (after: number) => FIRST_ERROR + after;

  test('the timing rule\'s values', () => {
    expect(delay).toBe(60_000);
    expect(npt).toBe(150_000);
  });

  test('ERROR by NoProgressTimeout (and the retry delay it may be waiting out) after the first error: nothing to name', () => {
    expect(judged(stalled(npt + delay))).toEqual([]);
    // On the wall clock, the tolerance and the slack on top.
    expect(judged(stalled(npt + delay + 2000), wall)).toEqual([]);
  });

  test('ERROR later than that: named, with how late and the NoProgressTimeout', () => {
    expect(judged(stalled(npt + delay + 1000))).toEqual([
      { rule: 'ACK-NO-PROGRESS', message: expect.stringMatching(/ERROR only 3 min 31 s after its first error.*NoProgressTimeout is 2 min 30 s/) },
    ]);
    expect(judged(stalled(npt + delay + 1))).toEqual([{ rule: 'ACK-NO-PROGRESS', message: expect.any(String) }]);
    expect(judged(stalled(npt + delay + 2001), wall)).toEqual([{ rule: 'ACK-NO-PROGRESS', message: expect.any(String) }]);
  });

  test('the window opens at the first error, not at the first fragment nor at the ERROR itself', () => {
    // Straight to ERROR, no transient error first: the ERROR is the first error.
    const straight = observation({ ledger: [request(1, 'Create-Session'), request(2, 'Fragment')], states: [state('TRANSFERRING', 1), state('ERROR', 2, npt)] });
    expect(judged(straight)).toEqual([]);
    // A transient error before the first fragment (10 s before the first error) is no part of the stall.
    const early = stalled(npt + delay);
    early.states.unshift(state('TRANSIENT_ERROR', 1, 0));
    expect(judged(early)).toEqual([]);
  });

  test('requests after ERROR: JOB-FATAL, all of them as evidence', () => {
    const after = npt;
    const failures = judged(stalled(after, [request(5, 'Fragment', gaveUpAt(after) + 60_000), request(6, 'Ping', gaveUpAt(after) + 120_000)]));
    expect(failures).toEqual([{ rule: 'JOB-FATAL', message: expect.stringContaining('2 request(s) after the job moved to ERROR'), evidence: { unwanted: [5, 6] } }]);
  });

  test('a request within the tolerance of the ERROR may have crossed it: not named; one past it is', () => {
    const after = npt;
    const at = (t: number) => judged(stalled(after, [request(5, 'Cancel-Session', t)]), wall);
    expect(at(gaveUpAt(after) + 500)).toEqual([]);
    expect(at(gaveUpAt(after) + 1000)).toEqual([]);
    expect(at(gaveUpAt(after) + 1001)).toEqual([{ rule: 'JOB-FATAL', message: expect.stringContaining('1 request(s)'), evidence: { unwanted: [5] } }]);
  });

  test('a job that never reached ERROR: named with the fragments it sent and its states', () => {
    const ledger = [request(1, 'Create-Session'), request(2, 'Fragment'), request(3, 'Fragment'), request(4, 'Fragment')];
    const failures = judged(observation({ ledger, states: [state('TRANSFERRING', 1), state('TRANSIENT_ERROR', 3)] }));
    expect(failures).toEqual([{ rule: 'ACK-NO-PROGRESS', message: expect.stringContaining('never moved to ERROR') }]);
    expect(failures[0]!.message).toContain('3 fragments sent');
    expect(failures[0]!.message).toContain('TRANSFERRING -> TRANSIENT_ERROR');
  });

  test('one that claimed success instead: a consequence (NO-FALSE-SUCCESS names it)', () => {
    const ledger = [request(1, 'Create-Session'), request(2, 'Fragment')];
    expect(judged(observation({ ledger, states: [state('TRANSFERRING', 1), state('TRANSFERRED', 2)] }))).toEqual([
      { rule: 'ACK-NO-PROGRESS', message: expect.stringContaining('never moved to ERROR'), consequence: true },
    ]);
  });

  test('a client that never sent a fragment: named as such', () => {
    expect(judged(observation({ ledger: [request(1, 'Create-Session')], states: [state('ERROR', 1)] }))).toEqual([
      { rule: 'ACK-NO-PROGRESS', message: expect.stringContaining('never sent a fragment') },
    ]);
  });
});
