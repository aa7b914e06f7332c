// The invariants judged on every case (judge/invariants.ts) on ledgers built by hand: each check at the
// edges of its premise, with the evidence it blames (blame-once reads it) and the words a vendor reads.
import { describe, expect, test } from 'vitest';
import type { LedgerEntry, LedgerResponse } from '../../server/index.js';
import { statusMatrixCases, type ConformanceCase } from '../cases.js';
import type { CallEntry, Observation, StateEntry } from '../observation.js';
import { realTimeProfile, type Timing } from '../timing.js';
import { claimInvariants, requestInvariants } from './invariants.js';
import { call, caseOf, ledgerEntry, observation, state as stateEntry } from './test-support.js';

const c: ConformanceCase = caseOf('app/200/mirror/upload');
const size = c.payloadBytes;
/** The same status-matrix case (the application's 200, mirrored, an upload job) with other timings. */
const timed = (timing: Timing, status = 200): ConformanceCase => statusMatrixCases({ from: status, to: status, relays: ['mirror'], jobTypes: ['upload'], timing })[0]!;

// Here a state's time and validity are what the checks read, and a request is unanswered unless a test says.
const state = (name: string, seen: number, t = 0, valid = true): StateEntry => stateEntry(name, seen, null, { t, valid });
const request = (seq: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry => ledgerEntry(seq, packetType, { sessionId: '{S1}', ...more });
const ack = (received: number | undefined, status = 200): LedgerResponse => ({ status, ...(received === undefined ? {} : { receivedRange: received }) });
const fragment = (seq: number, received: number | undefined, status = 200): LedgerEntry => request(seq, 'Fragment', { response: ack(received, status) });

describe('ACK-RANGE-ALWAYS: after an Ack short of the end, the session goes on from its offset', () => {
  const rules = (ledger: LedgerEntry[], calls: CallEntry[] = []) => requestInvariants(c, observation({ ledger, calls })).filter((f) => f.rule === 'ACK-RANGE-ALWAYS');

  test('a Close-Session after an Ack naming an offset before the end is named, with that request as evidence', () => {
    const [f] = rules([fragment(3, 100), request(4, 'Close-Session', { response: ack(undefined) })]);
    expect(f).toMatchObject({ rule: 'ACK-RANGE-ALWAYS', evidence: { unwanted: [4] } });
    expect(f!.message).toBe(`interpretation: request #4: the Ack of request #3 named offset 100 of ${size} bytes, yet the client sent Close-Session instead of a Fragment from 100`);
  });

  test('a Cancel-Session is named the same way', () => {
    expect(rules([fragment(3, 0), request(4, 'Cancel-Session')])[0]!.message).toContain('yet the client sent Cancel-Session instead of a Fragment from 0');
  });

  test.for([
    ['the next request is a Fragment', [fragment(3, 100), fragment(4, size)]],
    ['the Ack named the end of the file', [fragment(3, size), request(4, 'Close-Session')]],
    ['the Ack named no offset', [fragment(3, undefined), request(4, 'Close-Session')]],
    ['the Ack named no whole number', [fragment(3, 100.5), request(4, 'Close-Session')]],
    ['the Ack was not a success', [fragment(3, 100, 416), request(4, 'Close-Session')]],
    ['the close is of another session', [fragment(3, 100), request(4, 'Close-Session', { sessionId: '{S2}' })]],
    ['the Ack was the last request', [fragment(3, 100)]],
    ['the Ack was of a Ping', [request(3, 'Ping', { response: ack(100) }), request(4, 'Close-Session')]],
  ] as const)('not named when %s', ([, ledger]) => {
    expect(rules([...ledger])).toEqual([]);
  });

  test('the session ids are compared as the server compares them (case and spaces aside)', () => {
    expect(rules([fragment(3, 100), request(4, 'Close-Session', { sessionId: ' {s1} ' })])).toHaveLength(1);
  });

  test('not named when the harness cancelled or suspended the job before the close', () => {
    const ledger = [fragment(3, 100), request(4, 'Cancel-Session')];
    expect(rules(ledger, [call('cancel', 3)])).toEqual([]);
    expect(rules(ledger, [call('suspend', 3)])).toEqual([]);
    // A cancel() after the close was not what the close answered, nor a resume() before it.
    expect(rules(ledger, [call('cancel', 4)])).toHaveLength(1);
    expect(rules(ledger, [call('resume', 3)])).toHaveLength(1);
  });
});

describe('PKT-CLOSE-EARLY and PKT-CLOSE-ONCE', () => {
  const named = (o: Observation, rule: string) => requestInvariants(c, o).filter((f) => f.rule === rule);
  const post = (seq: number, status: number, sessionId = '{S1}') => request(seq, 'Fragment', { sessionId, response: ack(size), notification: { count: 1, status, fileSha256: 'abc' }, notifications: 1 });

  test('a Close-Session while the server held less than the file', () => {
    const [f] = named(observation({ ledger: [request(5, 'Close-Session', { receivedBefore: size - 1 })] }), 'PKT-CLOSE-EARLY');
    expect(f).toMatchObject({ evidence: { unwanted: [5] }, message: `request #5: Close-Session while the server held ${size - 1} of ${size} bytes (the upload file is deleted)` });
    expect(named(observation({ ledger: [request(5, 'Close-Session', { receivedBefore: size })] }), 'PKT-CLOSE-EARLY')).toEqual([]);
    // A close of a session the server did not hold (no count): it deleted nothing.
    expect(named(observation({ ledger: [request(5, 'Close-Session')] }), 'PKT-CLOSE-EARLY')).toEqual([]);
    // Only a Close-Session deletes the file: a Fragment arrives while the server holds less, by design.
    expect(named(observation({ ledger: [request(5, 'Fragment', { receivedBefore: 0 })] }), 'PKT-CLOSE-EARLY')).toEqual([]);
  });

  test('a second Close-Session after one the server accepted', () => {
    const ledger = [post(3, 200), request(4, 'Close-Session', { response: ack(undefined) }), request(5, 'Close-Session', { response: ack(undefined) })];
    const [f] = named(observation({ ledger }), 'PKT-CLOSE-ONCE');
    expect(f).toMatchObject({ evidence: { unwanted: [5] }, message: 'request #5: Close-Session sent again after the server accepted the one of request #4 (1 more)' });
  });

  test.for([500, 599])('re-sending after a %i is allowed (the close was not accepted), but not after session-not-found', (status) => {
    const ledger = [post(3, 200), request(4, 'Close-Session', { response: { status } }), request(5, 'Close-Session', { response: ack(undefined) })];
    expect(named(observation({ ledger }), 'PKT-CLOSE-ONCE')).toEqual([]);
    const lost = [post(3, 200), request(4, 'Close-Session', { response: { status, errorCode: 0x8020001f } }), request(5, 'Close-Session')];
    expect(named(observation({ ledger: lost }), 'PKT-CLOSE-ONCE')).toHaveLength(1);
  });

  test.for([499, 600])('a close answered %i, outside 500-599, was accepted: another is named', (status) => {
    const ledger = [post(3, 200), request(4, 'Close-Session', { response: { status } }), request(5, 'Close-Session')];
    expect(named(observation({ ledger }), 'PKT-CLOSE-ONCE')).toEqual([expect.objectContaining({ evidence: { unwanted: [5] } })]);
  });

  test('a close of a session whose post was not a success is not PKT-CLOSE-ONCE\'s to judge', () => {
    const ledger = [post(3, 500), request(4, 'Close-Session', { response: ack(undefined) }), request(5, 'Close-Session')];
    expect(named(observation({ ledger }), 'PKT-CLOSE-ONCE')).toEqual([]);
  });

  test('the successful session never closed after complete(): named without evidence', () => {
    const o = observation({ ledger: [post(3, 200)], states: [state('TRANSFERRED', 3)], checkpoints: { 'after-complete': { t: 0, state: 'ACKNOWLEDGED', error: null } } });
    expect(named(o, 'PKT-CLOSE-ONCE')).toEqual([expect.objectContaining({ message: 'the session of the successful post (request #3) was never closed: no Close-Session was sent' })]);
    expect(named(o, 'PKT-CLOSE-ONCE')[0]!.evidence).toBeUndefined();
    expect(named({ ...o, checkpoints: {} }, 'PKT-CLOSE-ONCE')).toEqual([]);
    expect(named({ ...o, states: [state('TRANSIENT_ERROR', 3)] }, 'PKT-CLOSE-ONCE')).toEqual([]);
    // Any success claim in the timeline counts, not only a timeline of nothing but success.
    expect(named({ ...o, states: [state('TRANSFERRING', 2), state('TRANSFERRED', 3)] }, 'PKT-CLOSE-ONCE')).toHaveLength(1);
    expect(named({ ...o, ledger: [post(3, 200), request(4, 'Close-Session', { sessionId: '{S2}' })] }, 'PKT-CLOSE-ONCE')).toHaveLength(1);
    expect(named({ ...o, ledger: [post(3, 200), request(4, 'Close-Session', { response: { status: 500 } })] }, 'PKT-CLOSE-ONCE')).toEqual([]);
  });
});

describe('RESUME-RESTARTS: a resume() in ERROR or TRANSIENT_ERROR sends Ping at once, then goes on with its session', () => {
  const restarts = (ledger: LedgerEntry[], calls: CallEntry[], on = c) => requestInvariants(on, observation({ ledger, calls })).filter((f) => f.rule === 'RESUME-RESTARTS');
  // The first resume() starts the job; the second, at +1 min, resumes it after the application's error (request #2).
  const start = call('resume', 0, { state: 'SUSPENDED' });
  const resumed = (state = 'TRANSIENT_ERROR', more: Partial<CallEntry> = {}) => [start, call('resume', 2, { t: 60_000, state, ...more })];
  const before = [request(1, 'Create-Session'), fragment(2, size)];
  const ping = (t = 60_000, status: number | null = 200) => request(3, 'Ping', { t, ...(status === null ? {} : { response: { status } }) });

  test.for(['TRANSIENT_ERROR', 'ERROR'])('a first request other than Ping after a resume() in %s is named, with the resume() and the request', (state) => {
    const [f] = restarts([...before, request(3, 'Create-Session')], resumed(state));
    expect(f!.message).toContain(`resume() at +1 min in ${state}: the first request was Create-Session`);
    expect(f!.message).toContain('starts again at Ping (MC-BUP 3.1.4.3)');
  });

  test('a resume() in another state, and the resume() that starts the job, are no restart', () => {
    expect(restarts([...before, request(3, 'Create-Session')], resumed('SUSPENDED'))).toEqual([]);
    expect(restarts([request(1, 'Create-Session')], [call('resume', 0, { state: 'ERROR' })])).toEqual([]);
  });

  test('not judged after a 403, when nothing may be sent again', () => {
    expect(restarts([...before, request(3, 'Create-Session')], resumed(), timed(c.timing, 403))).toEqual([]);
  });

  test('a Ping only once MinimumRetryDelay had passed since the resume() is named, with how long it took', () => {
    // MinimumRetryDelay 10 min, in virtual time (no tolerance).
    expect(restarts([...before, ping(60_000 + 599_999)], resumed())).toEqual([]);
    const [f] = restarts([...before, ping(60_000 + 600_000)], resumed());
    expect(f!.message).toContain('resume() at +1 min in TRANSIENT_ERROR: the first request came 10 min later, after MinimumRetryDelay (10 min); resume() retries at once');
  });

  test('on the wall clock the delay is less the tolerance; where that cannot be told from at once, it is not judged', () => {
    const wall = timed(realTimeProfile(2_000).matrix); // 2 s, tolerance 500 ms
    expect(restarts([...before, ping(60_000 + 1_499)], resumed(), wall)).toEqual([]);
    expect(restarts([...before, ping(60_000 + 1_500)], resumed(), wall)).toHaveLength(1);
    const short = timed(realTimeProfile(200).matrix); // 200 ms, tolerance 50 ms: 150 ms is no wait to tell apart
    expect(restarts([...before, ping(60_000 + 10_000)], resumed(), short)).toEqual([]);
  });

  test('a new session after the Ping, while the job\'s own was open, is named with the Create-Session as evidence', () => {
    const [f] = restarts([...before, ping(), request(4, 'Create-Session')], resumed());
    expect(f!.evidence).toEqual({ unwanted: [4] });
    expect(f!.message).toContain('resume() at +1 min in TRANSIENT_ERROR: after Ping the job created a new session, though its own was still open');
    expect(f!.message).toContain('MC-BUP 3.1.5.1.3');
  });

  test.for([
    ['the job had no session open', resumed('TRANSIENT_ERROR', { openSessions: 0 }), ping()],
    ['the Ping failed', resumed(), ping(60_000, 500)],
    ['the Ping got no answer', resumed(), ping(60_000, null)],
  ] as const)('a new session after the Ping is right when %s', ([, calls, first]) => {
    expect(restarts([...before, first, request(4, 'Create-Session')], [...calls])).toEqual([]);
  });

  test('a Fragment after the Ping goes on with the session', () => {
    expect(restarts([...before, ping(), fragment(4, size)], resumed())).toEqual([]);
  });
});

describe('JOB-FINAL-QUIET: after ACKNOWLEDGED only Close-Session, after CANCELLED only Cancel-Session', () => {
  const quiet = (o: Observation) => claimInvariants(o).filter((f) => f.rule === 'JOB-FINAL-QUIET');

  test('a request after ACKNOWLEDGED is named with every late request as evidence', () => {
    const o = observation({ states: [state('ACKNOWLEDGED', 4)], ledger: [request(4, 'Fragment'), request(5, 'Close-Session'), request(6, 'Ping'), request(7, 'Fragment')] });
    expect(quiet(o)).toEqual([expect.objectContaining({ message: '2 request(s) after the job reached ACKNOWLEDGED (first: Ping, request #6)', evidence: { unwanted: [6, 7] } })]);
  });

  test('after CANCELLED, Cancel-Session is allowed and Close-Session is not', () => {
    const ledger = [request(5, 'Cancel-Session'), request(6, 'Close-Session')];
    expect(quiet(observation({ states: [state('CANCELLED', 4)], ledger }))).toEqual([expect.objectContaining({ evidence: { unwanted: [6] } })]);
    expect(quiet(observation({ states: [state('ACKNOWLEDGED', 4)], ledger }))).toEqual([expect.objectContaining({ evidence: { unwanted: [5] } })]);
  });

  test('a request that came before the complete() leading there had returned is not counted', () => {
    const ledger = [request(5, 'Fragment'), request(6, 'Fragment')];
    const states = [state('ACKNOWLEDGED', 4)];
    expect(quiet(observation({ states, ledger, calls: [call('complete', 4, { seenAfter: 5 })] }))[0]!.evidence).toEqual({ unwanted: [6] });
    expect(quiet(observation({ states, ledger, calls: [call('complete', 4, { seenAfter: 6 })] }))).toEqual([]);
    // Only a complete() or cancel() made before the state counts; a resume() does not.
    expect(quiet(observation({ states, ledger, calls: [call('complete', 5, { seenAfter: 6 })] }))).toHaveLength(1);
    expect(quiet(observation({ states, ledger, calls: [call('resume', 4, { seenAfter: 6 })] }))).toHaveLength(1);
    // The same for a cancel() that led to CANCELLED.
    const cancelled = [state('CANCELLED', 4)];
    expect(quiet(observation({ states: cancelled, ledger, calls: [call('cancel', 4, { seenAfter: 6 })] }))).toEqual([]);
    expect(quiet(observation({ states: cancelled, ledger, calls: [call('cancel', 4, { seenAfter: 5 })] }))[0]!.evidence).toEqual({ unwanted: [6] });
  });

  test('nothing is judged before a final state', () => {
    expect(quiet(observation({ states: [state('TRANSFERRED', 4)], ledger: [request(5, 'Ping')] }))).toEqual([]);
  });
});

describe('JOB-STATES and NO-FALSE-SUCCESS', () => {
  test('a state that is not a BG_JOB_STATE name', () => {
    const [f] = claimInvariants(observation({ states: [state('QUEUED', 0), state('DONE', 0, 1500, false)] }));
    expect(f).toMatchObject({ rule: 'JOB-STATES', message: 'at +1.5 s the job reported DONE, which is not a BG_JOB_STATE name' });
  });

  test('each way a success claim can be unbacked is said', () => {
    const post = (status: number, sha = 'abc') => request(3, 'Fragment', { notification: { count: 1, status, fileSha256: sha }, notifications: 1 });
    const claim = (ledger: LedgerEntry[]) => claimInvariants(observation({ ledger, states: [state('TRANSFERRED', 3, 200), state('ACKNOWLEDGED', 4, 300)] }));
    expect(claim([])).toEqual([expect.objectContaining({ rule: 'NO-FALSE-SUCCESS', message: 'interpretation: the job claimed TRANSFERRED at +200 ms, but the file was never posted to the server application (the server does not hold it whole)', evidence: { claims: [0] } })]);
    expect(claim([post(503)])[0]!.message).toContain("but the application's last answer was 503, not 200");
    expect(claim([post(200, 'other')])[0]!.message).toContain('but the file the server holds differs from the payload (SHA-256)');
    expect(claim([post(200)])).toEqual([]);
  });

  test('a claim is backed by the last post before it, not by a later one', () => {
    const post = (seq: number, status: number) => request(seq, 'Fragment', { notification: { count: 1, status, fileSha256: 'abc' }, notifications: 1 });
    const o = observation({ ledger: [post(3, 503), post(6, 200)], states: [state('TRANSFERRED', 3, 200)] });
    expect(claimInvariants(o)).toEqual([expect.objectContaining({ rule: 'NO-FALSE-SUCCESS', message: expect.stringContaining("the application's last answer was 503") })]);
    // The post seen with the claim is the one before it.
    expect(claimInvariants({ ...o, states: [state('TRANSFERRED', 6, 200)] })).toEqual([]);
  });
});
