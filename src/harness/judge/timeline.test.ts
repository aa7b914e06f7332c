// Reading the timeline (timeline.ts) on states built by hand: a decision is the first settled state
// reported at or after the request it answers ([STATE]: QUEUED, CONNECTING and TRANSFERRING are a job
// still at work, not a decision); order comes from the ledger's seq and each state's `seen`.
import { describe, expect, test } from 'vitest';
import type { LedgerEntry } from '../../server/index.js';
import type { Observation, StateEntry } from '../observation.js';
import { decisionAfter, firstStateAfter, sessionOf } from './timeline.js';

const state = (name: string, seen: number, t = seen * 10): StateEntry => ({ t, state: name, valid: true, error: null, seen });
const observation = (states: StateEntry[]): Observation => ({ states, checkpoints: {}, calls: [], ledger: [], payloadSha256: '' });
const request = (seq: number): LedgerEntry => ({ seq, t: 0, method: 'BITS_POST', url: 'http://bits.test/upload', packetType: 'Fragment', bodyLength: 1, notifications: 0, contentLengthSent: true });

describe('decisionAfter', () => {
  test('a job still at work (QUEUED, CONNECTING, TRANSFERRING) has not decided', () => {
    const o = observation([state('QUEUED', 3), state('CONNECTING', 3), state('TRANSFERRING', 4), state('TRANSIENT_ERROR', 5)]);
    expect(decisionAfter(o, request(3))).toEqual({ index: 3, t: 50, state: 'TRANSIENT_ERROR', error: null });
  });
  test('a state seen at the request\'s own seq answers it; one seen before does not', () => {
    const o = observation([state('SUSPENDED', 2), state('ERROR', 3)]);
    expect(decisionAfter(o, request(3))?.state).toBe('ERROR');
    expect(decisionAfter(o, request(4))).toBeUndefined();
  });
  test('the error reported with the decision', () => {
    const o = observation([{ ...state('ERROR', 1), error: { context: 7, code: 0x80190194 } }]);
    expect(decisionAfter(o, request(1))?.error).toEqual({ context: 7, code: 0x80190194 });
  });
});

describe('firstStateAfter', () => {
  const o = observation([state('TRANSFERRED', 1), state('SUSPENDED', 2), state('TRANSFERRED', 5)]);
  test('from the start by default', () => {
    expect(firstStateAfter(o, ['TRANSFERRED'])).toEqual({ index: 0, t: 10, state: 'TRANSFERRED', error: null });
  });
  test('only states reported at or after the given seq', () => {
    expect(firstStateAfter(o, ['TRANSFERRED'], 2)?.index).toBe(2);
    expect(firstStateAfter(o, ['TRANSFERRED'], 5)?.index).toBe(2);
    expect(firstStateAfter(o, ['TRANSFERRED'], 6)).toBeUndefined();
  });
  test('only the states asked for', () => {
    expect(firstStateAfter(o, ['SUSPENDED', 'ERROR'])?.state).toBe('SUSPENDED');
    expect(firstStateAfter(o, ['ERROR'])).toBeUndefined();
  });
});

describe('sessionOf', () => {
  const carrying = (sessionId: string | undefined): LedgerEntry => ({ ...request(1), ...(sessionId === undefined ? {} : { sessionId }) });
  test('a session id is a GUID: one session whatever its case and the spaces around it', () => {
    expect(sessionOf(carrying(' {0A1B2C3D-0000-4000-8000-00000000ABCD}\t'))).toBe(sessionOf(carrying('{0a1b2c3d-0000-4000-8000-00000000abcd}')));
    expect(sessionOf(carrying('{0A1B2C3D-0000-4000-8000-00000000ABCD} '))).toBe(sessionOf(carrying(' {0a1b2c3d-0000-4000-8000-00000000abcd}')));
  });
  test('two sessions are two', () => {
    expect(sessionOf(carrying('{a}'))).not.toBe(sessionOf(carrying('{b}')));
  });
  test('no id, or an empty one, is no session', () => {
    expect(sessionOf(carrying(undefined))).toBeUndefined();
    expect(sessionOf(carrying(''))).toBeUndefined();
    expect(sessionOf(carrying('  '))).toBeUndefined();
  });
});
