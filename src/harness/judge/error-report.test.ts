// The error a job reports, judged on its own (error-report.ts): what the kill table's members cannot
// tell apart because their expectations name the relay rules for a whole case. Each relay rule is named
// only where its premise holds: RELAY-MIRROR when the status was read right (its code) but the context
// 0x7 went unread; RELAY-ALT-HEADER when the code is the Ack's own status's, that is, the BITS-Error
// header went unread; RELAY-1XX when a relayed 1xx's code is wrong. Expected values come from the rules:
// context 7 (REMOTE_APPLICATION) and code 0x80190000 + S ([HSAE], ERR-CODE).
import { describe, expect, test } from 'vitest';
import type { ExpectedError } from '../cases.js';
import type { JobError } from '../contract.js';
import { checkApplicationError, checkGivingUpError } from './error-report.js';
import { caseOf, rulesOf } from './test-support.js';

const code = (status: number): number => 0x80190000 + status;
const app = (status: number): ExpectedError & JobError => ({ context: 7, code: code(status) });
const WHEN = 'after the final Ack';

describe('an error where none is expected, none where one is', () => {
  const c = caseOf('app/404/mirror/upload');
  test('no error expected and none reported: nothing to say', () => {
    expect(checkApplicationError(c, null, null, WHEN)).toEqual([]);
    expect(checkApplicationError(c, null, undefined, WHEN)).toEqual([]);
  });
  test('an error after a 200 is APP-SUCCESS, and the message shows it', () => {
    const [f, ...rest] = checkApplicationError(c, null, app(404), WHEN);
    expect(rest).toEqual([]);
    expect(f!.rule).toBe('APP-SUCCESS');
    expect(f!.message).toContain(WHEN);
    expect(f!.message).toContain('0x80190194');
  });
  test('no error where one is expected is APP-CONTEXT', () => {
    const failures = checkApplicationError(c, app(404), null, WHEN);
    expect(rulesOf(failures)).toEqual(['APP-CONTEXT']);
    expect(failures[0]!.message).toMatch(/observed none$/);
  });
  test('the right error: nothing to say', () => {
    expect(checkApplicationError(c, app(404), app(404), WHEN)).toEqual([]);
  });
});

describe('RELAY-MIRROR: the code read, the context 0x7 not', () => {
  const mirror = caseOf('app/404/mirror/upload');
  test('the right code with the server\'s own context (5)', () => {
    const failures = checkApplicationError(mirror, app(404), { context: 5, code: code(404) }, WHEN);
    expect(rulesOf(failures)).toEqual(['APP-CONTEXT', 'RELAY-MIRROR']);
    expect(failures[0]!.message).toContain('observed 5');
    expect(failures[1]!.message).toContain('404 was relayed');
  });
  test('not named when the code is wrong too (the status was not read)', () => {
    expect(rulesOf(checkApplicationError(mirror, app(404), { context: 5, code: code(403) }, WHEN))).toEqual(['APP-CONTEXT', 'ERR-CODE']);
  });
  test('not named for another wrong context', () => {
    expect(rulesOf(checkApplicationError(mirror, app(404), { context: 6, code: code(404) }, WHEN))).toEqual(['APP-CONTEXT']);
  });
  test('not named in an alt-header relay', () => {
    expect(rulesOf(checkApplicationError(caseOf('app/404/alt-header/upload'), app(404), { context: 5, code: code(404) }, WHEN))).toEqual(['APP-CONTEXT']);
  });
  test('not named where RELAY-PRECEDENCE names the same mistake', () => {
    expect(rulesOf(checkApplicationError(caseOf('app/401/mirror/upload'), app(401), { context: 5, code: code(401) }, WHEN))).toEqual(['APP-CONTEXT']);
  });
  test('not named when no code is expected', () => {
    expect(rulesOf(checkApplicationError(mirror, { context: 7 }, { context: 5, code: code(404) }, WHEN))).toEqual(['APP-CONTEXT']);
  });
});

describe('a wrong code', () => {
  test('ERR-CODE for a status the SDK names, with both codes and the status in the message', () => {
    const [f, ...rest] = checkApplicationError(caseOf('app/404/mirror/upload'), app(404), { context: 7, code: code(403) }, WHEN);
    expect(rest).toEqual([]);
    expect(f!.rule).toBe('ERR-CODE');
    expect(f!.message).toContain('0x80190194');
    expect(f!.message).toContain('0x80190193');
    expect(f!.message).toContain('+ 404');
    expect(f!.message).toContain(WHEN);
  });
  test('ERR-CODE-ALL for a status it does not name', () => {
    expect(rulesOf(checkApplicationError(caseOf('app/418/mirror/upload'), app(418), { context: 7, code: code(400) }, WHEN))).toEqual(['ERR-CODE-ALL']);
  });
  test('no code expected: any code will do', () => {
    expect(checkApplicationError(caseOf('app/404/mirror/upload'), { context: 7 }, { context: 7, code: 1 }, WHEN)).toEqual([]);
  });
  test('RELAY-1XX for a relayed 1xx, whose Ack status is 500', () => {
    const failures = checkApplicationError(caseOf('app/150/mirror/upload'), app(150), { context: 7, code: code(500) }, WHEN, 500);
    expect(rulesOf(failures)).toEqual(['ERR-CODE-ALL', 'RELAY-1XX']);
    expect(failures[1]!.message).toContain('0x80190096');
  });
});

describe('RELAY-ALT-HEADER: the code of the Ack\'s own status', () => {
  const alt = caseOf('app/404/alt-header/upload');
  test('named when the reported code is the Ack status\'s', () => {
    const failures = checkApplicationError(alt, app(404), { context: 7, code: code(500) }, WHEN, 500);
    expect(rulesOf(failures)).toEqual(['ERR-CODE', 'RELAY-ALT-HEADER']);
    expect(failures[1]!.message).toContain('Ack\'s status 500');
  });
  test('not named for another wrong code', () => {
    expect(rulesOf(checkApplicationError(alt, app(404), { context: 7, code: code(403) }, WHEN, 500))).toEqual(['ERR-CODE']);
  });
  test('not named when the Ack\'s status is unknown', () => {
    expect(rulesOf(checkApplicationError(alt, app(404), { context: 7, code: code(500) }, WHEN))).toEqual(['ERR-CODE']);
  });
  test('not named in a mirror relay', () => {
    expect(rulesOf(checkApplicationError(caseOf('app/404/mirror/upload'), app(404), { context: 7, code: code(500) }, WHEN, 500))).toEqual(['ERR-CODE']);
  });
});

describe('the error a job gives up with', () => {
  test('nothing expected: nothing to say, whatever was reported', () => {
    expect(checkGivingUpError(null, { context: 5, code: 1 })).toEqual([]);
  });
  test('none reported', () => {
    const failures = checkGivingUpError(app(503), null);
    expect(rulesOf(failures)).toEqual(['APP-CONTEXT']);
    expect(failures[0]!.message).toMatch(/in ERROR, observed none$/);
  });
  test('context and code judged apart', () => {
    expect(rulesOf(checkGivingUpError(app(503), { context: 5, code: code(503) }))).toEqual(['APP-CONTEXT']);
    expect(rulesOf(checkGivingUpError(app(503), { context: 7, code: code(500) }))).toEqual(['ERR-CODE']);
    const both = checkGivingUpError(app(503), { context: 5, code: code(500) });
    expect(rulesOf(both)).toEqual(['APP-CONTEXT', 'ERR-CODE']);
    expect(both[0]!.message).toContain('observed 5');
    expect(both[1]!.message).toContain('observed 0x801901F4');
  });
  test('the right error, or any code when none is expected', () => {
    expect(checkGivingUpError(app(503), app(503))).toEqual([]);
    expect(checkGivingUpError({ context: 7 }, { context: 7, code: 1 })).toEqual([]);
  });
});
