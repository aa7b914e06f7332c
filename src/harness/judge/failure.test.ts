// What a failure says and carries, and how one root cause is blamed once (failure.ts): the contract the
// report and the verdict rely on, held on failures built by hand.
import { describe, expect, test } from 'vitest';
import { blameOnce, fail, faultNotReached, firstOf, type Failure } from './failure.js';

describe('fail()', () => {
  test('says "interpretation" when the rule is one, and only then', () => {
    expect(fail('NO-FALSE-SUCCESS', 'claimed TRANSFERRED').message).toBe('interpretation: claimed TRANSFERRED');
    expect(fail('APP-4XX', 'expected ERROR').message).toBe('expected ERROR');
  });

  test('carries evidence only when given some', () => {
    expect(fail('APP-4XX', 'm')).toEqual({ rule: 'APP-4XX', message: 'm' });
    expect(fail('JOB-FATAL', 'm', { unwanted: [3] })).toEqual({ rule: 'JOB-FATAL', message: 'm', evidence: { unwanted: [3] } });
  });
});

test('faultNotReached() is a consequence that says what could not be checked', () => {
  const f = faultNotReached('ACK-416-NO-RANGE');
  expect(f).toMatchObject({ rule: 'ACK-416-NO-RANGE', consequence: true });
  expect(f.message).toMatch(/never reached/);
});

describe('firstOf()', () => {
  test('nothing for no offence', () => {
    expect(firstOf('PKT-RANGE', [])).toEqual([]);
  });

  test('one failure: the first offence, how many more, and the evidence of them all', () => {
    const offences = [
      { message: 'first', evidence: { unwanted: [4] } },
      { message: 'second', evidence: { claims: [2] } },
      { message: 'third', evidence: { unwanted: [9] } },
    ];
    expect(firstOf('JOB-FATAL', offences)).toEqual([{ rule: 'JOB-FATAL', message: 'first (and 2 more)', evidence: { unwanted: [4, 9], claims: [2] } }]);
  });

  test('a single offence says no more, and offences without evidence give a failure without evidence', () => {
    expect(firstOf('PKT-RANGE', [{ message: 'only' }])).toEqual([{ rule: 'PKT-RANGE', message: 'only' }]);
    expect(firstOf('PKT-RANGE', [{ message: 'a' }, { message: 'b' }])).toEqual([{ rule: 'PKT-RANGE', message: 'a (and 1 more)' }]);
  });
});

describe('blameOnce()', () => {
  const f = (rule: Failure['rule'], message: string, unwanted?: number[], claims?: number[]): Failure => ({
    rule,
    message,
    ...(unwanted || claims ? { evidence: { ...(unwanted ? { unwanted } : {}), ...(claims ? { claims } : {}) } } : {}),
  });

  test('drops a failure whose every request an earlier one blamed', () => {
    const first = f('ACK-RANGE-ALWAYS', 'a', [5, 6]);
    expect(blameOnce([first, f('PKT-CLOSE-EARLY', 'b', [5])])).toEqual([first]);
  });

  test('keeps a failure with a request of its own, and failures about different requests', () => {
    const failures = [f('ACK-RANGE-ALWAYS', 'a', [5]), f('PKT-CLOSE-EARLY', 'b', [5, 7]), f('JOB-FATAL', 'c', [8])];
    expect(blameOnce(failures)).toEqual(failures);
  });

  test('requests and states are told apart: request 2 and state 2 are different evidence', () => {
    const failures = [f('JOB-FATAL', 'a', [2]), f('NO-FALSE-SUCCESS', 'b', undefined, [2])];
    expect(blameOnce(failures)).toEqual(failures);
    const claim = f('APP-4XX', 'c', undefined, [2]);
    expect(blameOnce([claim, f('NO-FALSE-SUCCESS', 'd', undefined, [2])])).toEqual([claim]);
  });

  test('keeps failures without evidence, each once', () => {
    const missing = f('PKT-REPLY', 'the reply was never downloaded');
    expect(blameOnce([missing, f('JOB-SUCCESS', 'other'), { ...missing }])).toEqual([missing, f('JOB-SUCCESS', 'other')]);
  });

  test('one rule with two messages is two failures', () => {
    const failures = [f('PKT-REPLY', 'a'), f('PKT-REPLY', 'b')];
    expect(blameOnce(failures)).toEqual(failures);
  });
});
