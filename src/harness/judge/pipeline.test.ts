// The judge's pipeline (judge/index.ts) on observations built by hand: what no client in the kill table
// shows, because every recorded run is judged with the same options and none of them errs. An
// observation the client broke is never judged; a check whose premise never held counts only when
// nothing else failed; interpretations switched off are listed, not failed; SHOULD rules warn, and fail
// under --strict.
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import type { Observation, StateEntry } from '../observation.js';
import { judge } from './index.js';
import { caseOf, ledgerEntry, observation as emptyObservation, state as stateEntry } from './test-support.js';

const c: ConformanceCase = caseOf('app/200/mirror/upload');

// Here the payload's hash is '' (the posts' hashes below are too), and a state is valid or not, seen before any request.
const observation = (more: Partial<Observation> = {}): Observation => emptyObservation({ payloadSha256: '', ...more });
const state = (name: string, valid = true): StateEntry => stateEntry(name, 0, null, { valid });
const ping = (seq: number): LedgerEntry => ledgerEntry(seq, 'Ping', { contentLengthSent: false });

describe('an observation the client or the harness broke is never judged', () => {
  test('a client error', () => {
    const j = judge(c, observation({ clientError: 'resume() threw' }));
    expect(j).toMatchObject({ verdict: 'error', failures: [], notJudged: [], reason: 'client error: resume() threw' });
  });

  test('a harness error', () => {
    const j = judge(c, observation({ harnessError: 'the handler threw' }));
    expect(j).toMatchObject({ verdict: 'error', failures: [], notJudged: [], reason: 'the handler threw' });
  });
});

describe('a check whose premise never held', () => {
  test('is the failure when nothing else failed', () => {
    const j = judge(c, observation());
    expect(j.verdict).toBe('fail');
    expect(j.failures.map((f) => f.rule)).toEqual(['APP-SUCCESS']);
    expect(j.failures[0]!.message).toMatch(/never reached the server application/);
    expect(j.notJudged).toEqual([]);
    // The judge's flag stays behind: the report's schema has no such field.
    expect(Object.keys(j.failures[0]!).sort()).toEqual(['message', 'rule']);
  });

  test('is listed as not judged, after the failures that explain it', () => {
    const j = judge(c, observation({ states: [state('TRANSFERRED')] }));
    expect(j.verdict).toBe('fail');
    expect(j.failures.map((f) => f.rule)).toEqual(['NO-FALSE-SUCCESS']);
    expect(j.notJudged).toEqual([{ rule: 'APP-SUCCESS', reason: expect.stringMatching(/^the upload never reached the server application .*\(after the failures above\)$/) }]);
  });
});

test('an interpretation switched off is listed as not judged, and its failure dropped', () => {
  const j = judge(c, observation({ states: [state('TRANSFERRED')] }), { interpretationsOff: ['NO-FALSE-SUCCESS'] });
  expect(j.failures.map((f) => f.rule)).toEqual(['APP-SUCCESS']);
  expect(j.notJudged).toEqual([{ rule: 'NO-FALSE-SUCCESS', reason: 'the interpretation is switched off (--interpretations-off)' }]);
  const other = judge(c, observation({ states: [state('NEW', false)] }), { interpretationsOff: ['NO-FALSE-SUCCESS'] });
  expect(other.failures.map((f) => f.rule)).toEqual(['JOB-STATES']);
});

describe('the verdict follows the levels of the rules broken', () => {
  test('a MUST fails', () => {
    expect(judge(c, observation({ states: [state('NEW', false)] })).verdict).toBe('fail');
  });

  test('a SHOULD alone warns, and fails under --strict', () => {
    const o = observation({ ledger: [ping(1)] });
    expect(judge(c, o).failures.map((f) => f.rule)).toEqual(['EMPTY-PACKET-LENGTH']);
    expect(judge(c, o).verdict).toBe('warn');
    expect(judge(c, o, { strict: true }).verdict).toBe('fail');
  });
});

describe('what was observed, beside the verdict (the report shows it)', () => {
  const entry = (seq: number, t: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry => ledgerEntry(seq, packetType, { t, ...more });
  const post = (seq: number, t: number, status: number): LedgerEntry => entry(seq, t, 'Fragment', { notification: { count: 1, status, fileSha256: '' } });

  test('the states, the decision after the first post, the posts, the closes, and what came after the first post', () => {
    const o = observation({
      ledger: [entry(1, 0, 'Create-Session'), entry(2, 5, 'Fragment'), post(3, 10, 503), post(4, 40, 200), entry(5, 45, 'Close-Session'), entry(6, 50, 'Close-Session')],
      states: [{ ...state('TRANSFERRING'), seen: 3 }, { ...state('TRANSIENT_ERROR'), seen: 3, error: { context: 7, code: 0x801901f7 } }, { ...state('TRANSFERRED'), seen: 4 }],
    });
    expect(judge(c, o).observed).toEqual({
      states: ['TRANSFERRING', 'TRANSIENT_ERROR', 'TRANSFERRED'],
      decision: { state: 'TRANSIENT_ERROR', error: { context: 7, code: 0x801901f7 } },
      posts: 2,
      closeSessions: 2,
      requestsAfterFinalAck: [
        { dt: 30, packetType: 'Fragment' },
        { dt: 35, packetType: 'Close-Session' },
        { dt: 40, packetType: 'Close-Session' },
      ],
    });
  });

  test('in a scenario, the decision after the faulted request', () => {
    const s = caseOf('scenario/fragment-500');
    const o = observation({
      ledger: [entry(1, 0, 'Create-Session'), entry(2, 5, 'Fragment', { fault: 'server-error 500' }), post(3, 10, 200)],
      states: [{ ...state('TRANSIENT_ERROR'), seen: 2 }, { ...state('TRANSFERRED'), seen: 3 }],
    });
    expect(judge(s, o).observed.decision).toEqual({ state: 'TRANSIENT_ERROR', error: null });
  });

  test('in a scenario whose fault was never played, the decision after the first post', () => {
    const s = caseOf('scenario/fragment-500');
    const o = observation({
      ledger: [entry(1, 0, 'Create-Session'), entry(2, 5, 'Fragment'), post(3, 10, 503)],
      states: [{ ...state('TRANSFERRING'), seen: 2 }, { ...state('TRANSIENT_ERROR'), seen: 3 }],
    });
    expect(judge(s, o).observed.decision).toEqual({ state: 'TRANSIENT_ERROR', error: null });
  });

  test('nothing posted, nothing decided', () => {
    expect(judge(c, observation({ states: [state('CONNECTING')] })).observed).toEqual({ states: ['CONNECTING'], decision: null, posts: 0, closeSessions: 0, requestsAfterFinalAck: [] });
  });
});

test('with NOREPOST-EVERY-RESUME switched off, a re-post after a 403 counts only up to the second resume()', () => {
  const c403 = caseOf('app/403/mirror/upload');
  const entry = (seq: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry => ledgerEntry(seq, packetType, { t: seq, ...more });
  const post = (seq: number, status: number): LedgerEntry => entry(seq, 'Fragment', { notification: { count: 1, status, fileSha256: '' } });
  const call = (seen: number) => ({ t: seen, call: 'resume' as const, seen, state: 'ERROR', openSessions: 1 });
  const o = observation({
    ledger: [post(1, 403), post(3, 200)],
    states: [{ ...state('ERROR'), seen: 1, error: { context: 7, code: 0x80190193 } }],
    calls: [call(0), call(1), call(2)],
  });
  const rules = (off: string[]) => judge(c403, o, { interpretationsOff: off }).failures.map((f) => f.rule);
  expect(rules([])).toEqual(expect.arrayContaining(['APP-403-NOREPOST', 'NOREPOST-EVERY-RESUME']));
  expect(rules(['NOREPOST-EVERY-RESUME'])).not.toContain('APP-403-NOREPOST');
});
