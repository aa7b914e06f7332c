// The transport scenarios' own checks (scenarios/transport.ts) on observations built by hand, each at the
// edges of its premise, its evidence and its words. The expectations come from TRANSPORT-FAULT (a dropped
// connection is a transient error with the transport context, retried after MinimumRetryDelay, the file
// posted once and the upload completed) and CLOSE-FAILURE (closing on complete(), after ACKNOWLEDGED, is
// accepted, and then the job cannot show the error while it re-sends).
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import { call as callEntry, checkpoint, judgeScenario, observation, posted as postedTo, request, state } from '../judge/test-support.js';
import type { CallEntry, StateEntry } from '../observation.js';

/** A call made while the job was TRANSFERRED. */
const call = (name: CallEntry['call'], seen: number): CallEntry => callEntry(name, seen, { state: 'TRANSFERRED' });
const dropped = (seq: number, packetType: LedgerEntry['packetType'], t: number): LedgerEntry => request(seq, packetType, { t, fault: 'drop', response: { status: 0 } });
const posted = (seq: number, t: number, count = 1): LedgerEntry => postedTo(seq, t, 200, count);

/** The transport context the rule names: GENERAL_TRANSPORT (6). */
const TRANSPORT = { context: 6, code: 0x80072efe };
const MINUTE = 60_000;
const acknowledged = { 'after-complete': checkpoint('ACKNOWLEDGED') };

describe('dropped-mid-upload: the connection drops on the second fragment', () => {
  const create = request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } });
  const resumed = (decision: StateEntry, ...ledger: LedgerEntry[]) => observation({
    ledger: [create, request(2, 'Fragment'), dropped(3, 'Fragment', 1000), ...ledger],
    states: [state('TRANSFERRING', 1), decision, state('TRANSFERRED', 4)],
    calls: [call('createJob', 0), call('resume', 0), call('complete', 4)],
    checkpoints: acknowledged,
  });

  test('transient with the transport context, resumed after the delay, posted once: nothing to name', () => {
    expect(judgeScenario('dropped-mid-upload', resumed(state('TRANSIENT_ERROR', 3, TRANSPORT), posted(4, 1000 + MINUTE))).failures).toEqual([]);
  });

  test('a wrong decision after the drop is TRANSPORT-FAULT', () => {
    const { failures } = judgeScenario('dropped-mid-upload', resumed(state('ERROR', 3, TRANSPORT), posted(4, 1000 + MINUTE)));
    expect(failures).toEqual([expect.objectContaining({ rule: 'TRANSPORT-FAULT', message: expect.stringContaining('expected TRANSIENT_ERROR, observed ERROR') })]);
  });

  test('the application sees the file twice: TRANSPORT-FAULT, with both counts', () => {
    const { failures } = judgeScenario('dropped-mid-upload', resumed(state('TRANSIENT_ERROR', 3, TRANSPORT), posted(4, 1000 + MINUTE), posted(5, 2000 + MINUTE, 2)));
    expect(failures).toEqual([{ rule: 'TRANSPORT-FAULT', message: expect.stringContaining('should see the file 1 time(s); it saw it 2 times') }]);
  });

  test('the client never reached the fault: a consequence, not a failure of its own', () => {
    const o = observation({ ledger: [create, posted(2, 0)], states: [state('TRANSFERRED', 2)], checkpoints: acknowledged });
    expect(judgeScenario('dropped-mid-upload', o).failures).toEqual([{ rule: 'TRANSPORT-FAULT', message: expect.stringContaining('never reached'), consequence: true }]);
  });
});

describe('transport-fault-final: the connection resets on the final fragment', () => {
  test('a fragment dropped after complete() is no close on complete(): its decision is still judged', () => {
    // A client that claimed TRANSFERRED before the server held the file, so complete() came first.
    const o = observation({
      ledger: [request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } }), dropped(2, 'Fragment', 1000), posted(3, 1000 + MINUTE)],
      states: [state('TRANSFERRING', 1), state('TRANSFERRED', 1), state('ACKNOWLEDGED', 1), state('ERROR', 2, { context: 7, code: 1 })],
      calls: [call('createJob', 0), call('resume', 0), call('complete', 1)],
      checkpoints: acknowledged,
    });
    expect(judgeScenario('transport-fault-final', o).failures).toEqual([
      expect.objectContaining({ rule: 'TRANSPORT-FAULT', message: expect.stringContaining('expected TRANSIENT_ERROR, observed ERROR') }),
    ]);
  });
});

describe('close-dropped: the connection drops on Close-Session', () => {
  const upload = [request(1, 'Create-Session', { sessionId: undefined, response: { status: 200, sessionId: '{S1}' } }), posted(2, 0)];

  test('closing on complete(), after ACKNOWLEDGED, and again after the delay: accepted, the state meanwhile not judged', () => {
    const o = observation({
      ledger: [...upload, dropped(3, 'Close-Session', 1000), request(4, 'Close-Session', { t: 1000 + MINUTE })],
      states: [state('TRANSFERRING', 1), state('TRANSFERRED', 2), state('ACKNOWLEDGED', 2)],
      calls: [call('createJob', 0), call('resume', 0), call('complete', 2)],
      checkpoints: acknowledged,
    });
    const { failures, notJudged } = judgeScenario('close-dropped', o);
    expect(failures).toEqual([]);
    expect(notJudged.map((x) => x.rule)).toEqual(['CLOSE-FAILURE']);
  });

  test('closing before claiming TRANSFERRED: the decision after the drop is judged', () => {
    const closing = (decision: StateEntry) => observation({
      ledger: [...upload, dropped(3, 'Close-Session', 1000), request(4, 'Close-Session', { t: 1000 + MINUTE })],
      states: [state('TRANSFERRING', 1), decision, state('TRANSFERRED', 4), state('ACKNOWLEDGED', 4)],
      calls: [call('createJob', 0), call('resume', 0), call('complete', 4)],
      checkpoints: acknowledged,
    });
    expect(judgeScenario('close-dropped', closing(state('TRANSIENT_ERROR', 3, TRANSPORT))).failures).toEqual([]);
    expect(judgeScenario('close-dropped', closing(state('ERROR', 3, TRANSPORT))).failures.map((f) => f.rule)).toEqual(['TRANSPORT-FAULT']);
  });
});
