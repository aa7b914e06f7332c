// The judge's pipeline (judge/index.ts) on observations built by hand: what no client in the kill table
// shows, because every recorded run is judged with the same options and none of them errs. An
// observation the client broke is never judged; a check whose premise never held counts only when
// nothing else failed; interpretations switched off are listed, not failed; SHOULD rules warn, and fail
// under --strict.
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import { allCases, type ConformanceCase } from '../cases.js';
import type { Observation, StateEntry } from '../observation.js';
import { judge } from './index.js';

const c: ConformanceCase = allCases().find((x) => x.id === 'app/200/mirror/upload')!;

const observation = (more: Partial<Observation> = {}): Observation => ({ states: [], checkpoints: {}, calls: [], ledger: [], payloadSha256: '', ...more });
const state = (name: string, valid = true): StateEntry => ({ t: 0, state: name, valid, error: null, seen: 0 });
const ping = (seq: number): LedgerEntry => ({ seq, t: 0, method: 'BITS_POST', url: 'http://bits.test/upload', packetType: 'Ping', bodyLength: 0, notifications: 0, contentLengthSent: false });

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
