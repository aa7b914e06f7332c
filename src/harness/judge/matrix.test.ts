// The status matrix and the persistent failures (judge/matrix.ts) on observations built by hand: each
// check at the edges of its premise, with the evidence it blames and the words a vendor reads. The
// expectations come from the rules: only 200 succeeds and complete() then acknowledges (JOB-SUCCESS);
// after a transient status the client waits MinimumRetryDelay and re-sends by itself (TRANSIENT-RETRY),
// until NoProgressTimeout moves the job to ERROR (JOB-NPT); after a fatal one it stays quiet until
// resume() (JOB-FATAL), which re-sends (FATAL-RESUME); after 403 the file is never posted again, by no
// route (APP-403-NOREPOST, NOREPOST-SCOPE, NOREPOST-EVERY-RESUME).
import { describe, expect, test } from 'vitest';
import { BG_ERROR_CONTEXT } from '../../rules/index.js';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import type { JobError } from '../contract.js';
import type { CallEntry, StateEntry } from '../observation.js';
import type { Failure } from './failure.js';
import { judgeRetryUntilNpt, judgeStatusMatrix } from './matrix.js';
import { call as callEntry, caseOf, observation, posted as post, requestAt as request, rulesOf, stateAt as state } from './test-support.js';
/** 200: success. Windows timing (MinimumRetryDelay 10 min), virtual time: no tolerance. */
const success = caseOf('app/200/mirror/upload');
const reply = caseOf('app/200/mirror/upload-reply');
/** 503: transient (APP-5XX). */
const transient = caseOf('app/503/mirror/upload');
/** 500: transient, and a fragment-level meaning the relay's context 0x7 overrides (RELAY-PRECEDENCE). */
const relayed500 = caseOf('app/500/mirror/upload');
/** 404: fatal (APP-4XX); resume() re-sends. */
const fatal = caseOf('app/404/mirror/upload');
/** 403: fatal, and never posted again. */
const denied = caseOf('app/403/mirror/upload');
/** 503 every time: MinimumRetryDelay 60 s, NoProgressTimeout 10 min. */
const persistent = caseOf('retry-until-npt/503/mirror/upload/short');

const DELAY = transient.timing.minimumRetryDelayMs;

/** The error the rules expect after `c`'s status: context 7 (REMOTE_APPLICATION) and the status's code. */
const errorOf = (c: ConformanceCase): JobError => ({ context: c.expected.decision!.error!.context, code: c.expected.decision!.error!.code! });

/** A call made while the job was in ERROR with no session open, at time `t`. */
const call = (name: CallEntry['call'], seen: number, t = 0): CallEntry => callEntry(name, seen, { t, state: 'ERROR', openSessions: 0 });
const done = { t: 0, state: 'ACKNOWLEDGED', error: null };

const named = (failures: Failure[], rule: string) => failures.filter((f) => f.rule === rule);

describe('the decision after the final Ack', () => {
  test('a conforming transient run is not named', () => {
    const o = observation({
      ledger: [post(1, 0, 503), post(2, DELAY, 200)],
      states: [state('TRANSIENT_ERROR', 1, 0, errorOf(transient)), state('TRANSFERRED', 2, DELAY)],
      checkpoints: { 'after-complete': done },
    });
    expect(judgeStatusMatrix(transient, o)).toEqual([]);
  });

  test('with no settled state in the timeline after the post, the final-ack checkpoint is the decision; it blames no timeline state', () => {
    const o = (s: string) => observation({ ledger: [post(1, 0, 503)], checkpoints: { 'final-ack': { t: 0, state: s, error: errorOf(transient) } } });
    const [f] = named(judgeStatusMatrix(transient, o('ERROR')), 'APP-5XX');
    expect(f!.message).toContain('status 503 is transient');
    expect(f!.message).toMatch(/expected TRANSIENT_ERROR .*observed ERROR$/);
    expect(f!.evidence).toBeUndefined();
    expect(f!.consequence).toBeUndefined();
    // The right decision, read from the checkpoint: the class is not named, and the retry is what is missing.
    expect(rulesOf(judgeStatusMatrix(transient, o('TRANSIENT_ERROR')))).toEqual(['TRANSIENT-RETRY']);
  });

  test('a wrong decision is blamed on its state, the first of the timeline included', () => {
    const o = observation({ ledger: [post(1, 0, 503)], states: [state('ERROR', 1, 0, errorOf(transient))] });
    expect(named(judgeStatusMatrix(transient, o), 'APP-5XX')[0]!.evidence).toEqual({ claims: [0] });
  });

  test('a post with no decision anywhere: the upload never reached the application, a consequence of what failed before', () => {
    for (const ledger of [[post(1, 0, 503)], [request(1, 'Ping'), request(2, 'Create-Session')]]) {
      const failures = judgeStatusMatrix(transient, observation({ ledger }));
      expect(failures).toEqual([expect.objectContaining({ rule: 'APP-5XX', consequence: true })]);
      expect(failures[0]!.message).toContain(`${ledger.length} requests`);
    }
  });

  test('a wrong error says when it was reported', () => {
    const o = observation({ ledger: [post(1, 0, 503)], states: [state('TRANSIENT_ERROR', 1, 0, { context: 5, code: errorOf(transient).code })] });
    expect(named(judgeStatusMatrix(transient, o), 'APP-CONTEXT')[0]!.message).toContain('after the final Ack');
  });

  test('RELAY-PRECEDENCE names the status and the relay\'s context 0x7 when the client took the status as the server\'s own error', () => {
    const o = observation({ ledger: [post(1, 0, 500)], states: [state('TRANSIENT_ERROR', 1, 0, { context: BG_ERROR_CONTEXT.REMOTE_FILE, code: errorOf(relayed500).code })] });
    const [f] = named(judgeStatusMatrix(relayed500, o), 'RELAY-PRECEDENCE');
    expect(f!.message).toContain('500');
    expect(f!.message).toContain('0x7');
  });
});

describe('completion: TRANSFERRED, then ACKNOWLEDGED after complete(), and the reply of an upload-reply job', () => {
  test('a retry that never reached TRANSFERRED is named under TRANSIENT-RETRY, with the states seen', () => {
    const o = observation({ ledger: [post(1, 0, 503), post(2, DELAY, 200)], states: [state('TRANSIENT_ERROR', 1, 0, errorOf(transient)), state('TRANSFERRING', 2, DELAY)] });
    const failures = judgeStatusMatrix(transient, o);
    expect(rulesOf(failures)).toEqual(['TRANSIENT-RETRY']);
    expect(failures[0]!.message).toContain('never reached TRANSFERRED');
    expect(failures[0]!.message).toContain('TRANSIENT_ERROR -> TRANSFERRING');
  });

  test('a resume() that never reached TRANSFERRED is named under FATAL-RESUME', () => {
    const o = observation({
      ledger: [post(1, 0, 404), post(2, DELAY, 200)],
      states: [state('ERROR', 1, 0, errorOf(fatal)), state('TRANSFERRING', 2, DELAY)],
      calls: [call('resume', 0), call('resume', 1, DELAY)],
    });
    const failures = judgeStatusMatrix(fatal, o);
    expect(rulesOf(failures)).toEqual(['FATAL-RESUME']);
    expect(failures[0]!.message).toContain('never reached TRANSFERRED');
  });

  test('the reply downloaded must be the one the application gave', () => {
    const o = (got: string) => observation({
      ledger: [post(1, 0, 200), request(2, 'GET'), request(3, 'Close-Session')],
      states: [state('TRANSFERRED', 1)],
      checkpoints: { 'after-complete': done },
      reply: got,
      expectedReply: 'receipt 42',
    });
    expect(judgeStatusMatrix(reply, o('receipt 42'))).toEqual([]);
    const failures = judgeStatusMatrix(reply, o('receipt 41'));
    expect(rulesOf(failures)).toEqual(['PKT-REPLY']);
    expect(failures[0]!.message).toContain('"receipt 42"');
    expect(failures[0]!.message).toContain('"receipt 41"');
  });

  test('the reply is downloaded, and before Close-Session', () => {
    const o = (...ledger: LedgerEntry[]) => observation({ ledger: [post(1, 0, 200), ...ledger], states: [state('TRANSFERRED', 1)], checkpoints: { 'after-complete': done }, reply: 'r', expectedReply: 'r' });
    expect(judgeStatusMatrix(reply, o(request(2, 'GET')))).toEqual([]);
    expect(judgeStatusMatrix(reply, o(request(2, 'Ping'), request(3, 'GET'), request(4, 'Close-Session')))).toEqual([]);
    const after = judgeStatusMatrix(reply, o(request(2, 'Close-Session'), request(3, 'GET')));
    expect(rulesOf(after)).toEqual(['PKT-REPLY']);
    expect(after[0]!.message).toContain('after Close-Session');
    const never = judgeStatusMatrix(reply, o(request(2, 'Close-Session')));
    expect(rulesOf(never)).toEqual(['PKT-REPLY']);
    expect(never[0]!.message).toContain('never downloaded');
    // An upload job downloads nothing.
    expect(judgeStatusMatrix(success, o(request(2, 'Close-Session')))).toEqual([]);
  });
});

describe('transient: MinimumRetryDelay, then a re-send by itself', () => {
  test('a request sooner than the delay after the error is named, with that request, its type and how soon', () => {
    // The error comes late in the case: the gap is measured from it, not from the start.
    const o = observation({
      ledger: [post(1, DELAY, 503), request(2, 'Ping', DELAY + 1), post(3, 2 * DELAY, 200)],
      states: [state('TRANSIENT_ERROR', 1, DELAY, errorOf(transient)), state('TRANSFERRED', 3, 2 * DELAY)],
      checkpoints: { 'after-complete': done },
    });
    const failures = judgeStatusMatrix(transient, o);
    expect(rulesOf(failures)).toEqual(['TRANSIENT-RETRY']);
    expect(failures[0]!.evidence).toEqual({ unwanted: [2] });
    expect(failures[0]!.message).toContain('(Ping)');
    expect(failures[0]!.message).toContain('came 1 ms after it');
    expect(failures[0]!.message).toContain('MinimumRetryDelay is 10 min');
  });

  test('no re-send: named once, with the window waited (the delay and the quiet window of 3 delays)', () => {
    const o = observation({ ledger: [post(1, 0, 503)], states: [state('TRANSIENT_ERROR', 1, 0, errorOf(transient))] });
    const failures = judgeStatusMatrix(transient, o);
    expect(failures).toEqual([expect.objectContaining({ rule: 'TRANSIENT-RETRY' })]);
    expect(failures[0]!.message).toContain('did not re-send the final fragment');
    expect(failures[0]!.message).toContain('within 40 min');
  });
});

describe('fatal: quiet until resume(), which re-sends', () => {
  const error = errorOf(fatal);

  test('no resume() came: only the missing re-send is named', () => {
    const o = observation({ ledger: [post(1, 0, 404)], states: [state('ERROR', 1, 0, error)], calls: [call('resume', 0)] });
    const failures = judgeStatusMatrix(fatal, o);
    expect(rulesOf(failures)).toEqual(['FATAL-RESUME']);
    expect(failures[0]!.message).toContain('resume() did not re-send the final fragment');
  });

  test('traffic before resume() is named with every request and when the first came after the error', () => {
    const o = observation({
      ledger: [post(1, 1000, 404), request(2, 'Ping', 6000), request(3, 'Ping', 7000), post(4, 9000, 200)],
      states: [state('ERROR', 1, 1000, error), state('TRANSFERRED', 4, 9000)],
      calls: [call('resume', 0), call('resume', 3, 8000)],
      checkpoints: { 'after-complete': done },
    });
    const failures = judgeStatusMatrix(fatal, o);
    expect(rulesOf(failures)).toEqual(['JOB-FATAL']);
    expect(failures[0]!.evidence).toEqual({ unwanted: [2, 3] });
    expect(failures[0]!.message).toContain('2 request(s)');
    expect(failures[0]!.message).toContain('Ping at +5 s');
  });
});

describe('403: never posted again, by no route', () => {
  const error = errorOf(denied);
  /** The 403, the job in ERROR, then resume() three times: starts at 0, the rest at the given counts. */
  const after403 = (ledger: LedgerEntry[], resumes: number[], states: StateEntry[] = []) =>
    observation({ ledger: [post(1, 0, 403), ...ledger], states: [state('ERROR', 1, 0, error), ...states], calls: [call('resume', 0), ...resumes.map((seen) => call('resume', seen))] });

  test('quiet after every resume(): nothing is named', () => {
    expect(judgeStatusMatrix(denied, after403([], [1, 1, 1]))).toEqual([]);
    expect(judgeStatusMatrix(denied, after403([], [1]), { firstResumeOnly: true })).toEqual([]);
  });

  test('a re-post is named with every re-post and the resume() it followed; no new session is said when none was made', () => {
    const o = after403([request(2, 'Ping'), post(3, 0, 200), post(4, 0, 200)], [1]);
    const failures = judgeStatusMatrix(denied, o, { firstResumeOnly: true });
    expect(rulesOf(failures)).toEqual(['APP-403-NOREPOST']);
    expect(failures[0]!.evidence).toEqual({ unwanted: [3, 4] });
    expect(failures[0]!.message).toContain('after 403');
    expect(failures[0]!.message).toContain('2 more time(s), the first after resume() number 1');
  });

  test('a re-post through a new session: the session is named under NOREPOST-SCOPE, with its request', () => {
    const o = after403([request(2, 'Ping'), request(3, 'Create-Session'), post(4, 0, 200)], [1, 4, 4]);
    const failures = judgeStatusMatrix(denied, o);
    expect(rulesOf(failures)).toEqual(['APP-403-NOREPOST', 'NOREPOST-SCOPE']);
    expect(failures[0]!.message).toContain('1 more time(s), through a new session');
    expect(failures[1]!.evidence).toEqual({ unwanted: [3] });
    expect(failures[1]!.message).toContain('new session');
  });

  test('a new session with no re-post is named too', () => {
    const failures = judgeStatusMatrix(denied, after403([request(2, 'Create-Session')], [1, 2, 2]));
    expect(failures).toEqual([expect.objectContaining({ rule: 'NOREPOST-SCOPE', evidence: { unwanted: [2] } })]);
  });

  test('the resume() a re-post followed: one the server had seen the re-post before is not counted', () => {
    // The re-post (request #2) had arrived when the third resume() was called: it followed the second.
    const before = judgeStatusMatrix(denied, after403([post(2, 0, 200)], [1, 2, 2]));
    expect(rulesOf(before)).toEqual(['APP-403-NOREPOST']);
    expect(before[0]!.message).toContain('after resume() number 1');
    // After the third: only a client resumed more than once shows it, and the interpretation is named.
    const later = judgeStatusMatrix(denied, after403([post(2, 0, 200)], [1, 1, 1]));
    expect(rulesOf(later)).toEqual(['APP-403-NOREPOST', 'NOREPOST-EVERY-RESUME']);
    expect(later[0]!.message).toContain('after resume() number 3');
    expect(later[1]!.message).toContain('resume() number 3');
  });

  test('with NOREPOST-EVERY-RESUME off, what came before the second resume() after the 403 is judged, and nothing after', () => {
    const off = { firstResumeOnly: true };
    // The second resume() after the 403 is made when the server has seen 2 requests: #2 came before it.
    expect(rulesOf(judgeStatusMatrix(denied, after403([post(2, 0, 200)], [1, 2, 2]), off))).toEqual(['APP-403-NOREPOST']);
    expect(judgeStatusMatrix(denied, after403([post(3, 0, 200)], [1, 2, 2]), off)).toEqual([]);
    expect(judgeStatusMatrix(denied, after403([request(2, 'Ping'), request(3, 'Create-Session')], [1, 2, 2]), off)).toEqual([]);
  });

  test('a success claimed after 403 is named, with the state', () => {
    const failures = judgeStatusMatrix(denied, after403([], [1, 1, 1], [state('TRANSFERRED', 1)]));
    expect(failures).toEqual([expect.objectContaining({ rule: 'NOREPOST-SCOPE', evidence: { claims: [1] } })]);
    expect(failures[0]!.message).toContain('claimed TRANSFERRED');
  });

  test('with NOREPOST-EVERY-RESUME off, a claim seen after the second resume() after the 403 is not judged', () => {
    const off = { firstResumeOnly: true };
    const claim = (seen: number) => named(judgeStatusMatrix(denied, after403([request(2, 'Ping')], [1, 1, 1], [state('ACKNOWLEDGED', seen)]), off), 'NOREPOST-SCOPE');
    // Seen with no request since that resume(): it may have come before it, so it is judged.
    expect(claim(1)).toHaveLength(1);
    expect(claim(2)).toEqual([]);
    // The claim is the job's first state after the 403 (its decision): judged the same way.
    const first = (seen: number) => observation({ ledger: [post(1, 0, 403), request(2, 'Ping')], states: [state('TRANSFERRED', seen)], calls: [call('resume', 0), call('resume', 1), call('resume', 1)] });
    expect(named(judgeStatusMatrix(denied, first(2), off), 'NOREPOST-SCOPE')).toEqual([]);
    expect(named(judgeStatusMatrix(denied, first(1), off), 'NOREPOST-SCOPE')).toHaveLength(1);
  });
});

describe('retry until NoProgressTimeout', () => {
  const { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt } = persistent.timing;
  const error = errorOf(persistent);
  /** A post every delay from 0 to NoProgressTimeout, then ERROR with the last error. */
  const retries = (count = npt / delay + 1, step = delay) => Array.from({ length: count }, (_, i) => post(i + 1, i * step, 503));
  const gaveUpAt = (t: number, seen: number, ledger: LedgerEntry[]) =>
    observation({ ledger, states: [state('TRANSIENT_ERROR', 1, 0, error), state('ERROR', seen, t, error)], checkpoints: { 'gave-up': { t, state: 'ERROR', error } } });

  test('a conforming run is not named', () => {
    expect(judgeRetryUntilNpt(persistent, gaveUpAt(npt, 11, retries()))).toEqual([]);
  });

  test('no post at all: the upload never reached the application', () => {
    expect(judgeRetryUntilNpt(persistent, observation({ ledger: [request(1, 'Ping')] }))).toEqual([expect.objectContaining({ rule: 'APP-5XX', consequence: true })]);
  });

  test('a retry sooner than the delay after the previous post is named, with which retry, how soon, and the request', () => {
    const ledger = retries();
    ledger[2] = post(3, ledger[1]!.t + delay / 2, 503);
    const failures = named(judgeRetryUntilNpt(persistent, gaveUpAt(npt, 11, ledger)), 'TRANSIENT-RETRY');
    expect(failures).toEqual([expect.objectContaining({ evidence: { unwanted: [3] } })]);
    expect(failures[0]!.message).toContain('retry 2 came 30 s after the previous post');
    expect(failures[0]!.message).toContain('MinimumRetryDelay is 1 min');
  });

  test('giving up too late is named with when', () => {
    const late = npt + delay + 1;
    const failures = judgeRetryUntilNpt(persistent, gaveUpAt(late, 11, retries()));
    expect(rulesOf(failures)).toEqual(['JOB-NPT']);
    expect(failures[0]!.message).toContain(`only 11 min 1 ms after the first error`);
    expect(failures[0]!.message).toContain('NoProgressTimeout is 10 min');
  });

  test('requests after ERROR are named under JOB-FATAL, each one', () => {
    const ledger = [...retries(), request(12, 'Ping', npt + 5), request(13, 'Fragment', npt + 6)];
    const failures = judgeRetryUntilNpt(persistent, gaveUpAt(npt, 11, ledger));
    expect(failures).toEqual([expect.objectContaining({ rule: 'JOB-FATAL', evidence: { unwanted: [12, 13] } })]);
    expect(failures[0]!.message).toContain('2 request(s) after the job moved to ERROR');
  });
});
