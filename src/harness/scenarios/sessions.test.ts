// The session scenarios' own checks (scenarios/sessions.ts) on observations built by hand, each at the
// edges of its premise, its evidence and its words. The expectations come from the rules and the quoted
// requirements: a lost session is created anew (PKT-SESSION-RESTART), a 413 is followed by a smaller
// fragment (PKT-SHRINK), the session's packets go to the host the Create-Session Ack named (PKT-HOST-ID),
// and a success Ack without BITS-Reply-URL is an error for an upload-reply job (PKT-REPLY, PKT-ACK-INVALID).
import { describe, expect, test } from 'vitest';
import { farmHostFor, type LedgerEntry } from '../../server/index.js';
import { judgeScenario, observation, ORIGIN, request, state } from '../judge/test-support.js';
import type { Observation, StateEntry } from '../observation.js';
import { hostId, noReplyUrl, sessionLost, shrink413, uploadNoReplyUrl } from './sessions.js';
import type { Scenario } from './types.js';

// Here a scenario comes as its module exports it, judged on its own case.
const judged = (s: Scenario, o: Observation) => judgeScenario(s.name, o).failures;

/** complete() made the job ACKNOWLEDGED. */
const acknowledged = { checkpoints: { 'after-complete': { t: 0, state: 'ACKNOWLEDGED', error: null } } } as const;
/** The job ended in ERROR without ever reaching complete(). */
const gaveUp = { states: [state('TRANSFERRING', 1), state('ERROR', 3)] };

describe('session-lost (PKT-SESSION-RESTART): after 500 + 0x8020001F the client creates a new session', () => {
  /** The server forgot the session: the second fragment gets 500 with BITS-Error-Code 0x8020001F. */
  const lost = (seq: number) => request(seq, 'Fragment', { fault: 'forget-session', response: { status: 500, errorCode: 0x8020001f } });
  const start = [request(1, 'Create-Session'), request(2, 'Fragment')];

  test('a new session accepted after the loss, and the upload completed: nothing to name', () => {
    const ledger = [...start, lost(3), request(4, 'Create-Session'), request(5, 'Fragment'), request(6, 'Close-Session')];
    expect(judged(sessionLost, observation({ ledger, ...acknowledged }))).toEqual([]);
  });

  test('no new session: named, even when the job claims the upload completed', () => {
    const ledger = [...start, lost(3), request(4, 'Fragment'), request(5, 'Close-Session')];
    const failures = judged(sessionLost, observation({ ledger, ...acknowledged }));
    expect(failures).toEqual([{ rule: 'PKT-SESSION-RESTART', message: expect.stringContaining('never created a new session') }]);
    expect(failures[0]!.message).toContain('0x8020001F');
  });

  test('only a Create-Session the server accepted, after the loss, restarts the upload', () => {
    const never = [{ rule: 'PKT-SESSION-RESTART', message: expect.stringContaining('never created a new session') }];
    // The session created before the loss is the lost one.
    expect(judged(sessionLost, observation({ ledger: [...start, lost(3)], ...acknowledged }))).toEqual(never);
    // A client that creates a session before every fragment, but not after the loss.
    const perFragment = [...start, request(3, 'Create-Session'), lost(4), request(5, 'Fragment')];
    expect(judged(sessionLost, observation({ ledger: perFragment, ...acknowledged }))).toEqual(never);
    // Another packet answered 200 is no new session.
    expect(judged(sessionLost, observation({ ledger: [...start, lost(3), request(4, 'Ping')], ...acknowledged }))).toEqual(never);
    // A Create-Session the server refused, or never answered (the connection broke), opened none.
    const refused = request(4, 'Create-Session', { response: { status: 500 } });
    expect(judged(sessionLost, observation({ ledger: [...start, lost(3), refused], ...acknowledged }))).toEqual(never);
    const unanswered = request(4, 'Create-Session', { response: undefined });
    expect(judged(sessionLost, observation({ ledger: [...start, lost(3), unanswered], ...acknowledged }))).toEqual(never);
  });

  test('a new session but no completed upload: named under the scenario\'s rule too', () => {
    const ledger = [...start, lost(3), request(4, 'Create-Session')];
    expect(judged(sessionLost, observation({ ledger, ...gaveUp }))).toEqual([
      { rule: 'PKT-SESSION-RESTART', message: expect.stringContaining('the upload should complete despite') },
    ]);
  });

  test('a fault never reached: a consequence, not a failure to restart, whatever sessions the client created', () => {
    const notReached = { rule: 'PKT-SESSION-RESTART', consequence: true, message: expect.stringContaining('never reached') };
    expect(judged(sessionLost, observation({ ledger: start, ...acknowledged }))).toEqual([notReached]);
    expect(judged(sessionLost, observation({ ledger: start, ...gaveUp }))).toEqual([
      notReached,
      { rule: 'PKT-SESSION-RESTART', message: expect.stringContaining('the upload should complete despite') },
    ]);
  });
});

describe('shrink-413 (PKT-SHRINK): after a 413 the next fragment is smaller', () => {
  const range = (first: number, last: number) => ({ first, last, total: 4096 });
  const tooLarge = (first: number, last: number) => request(2, 'Fragment', { range: range(first, last), fault: 'server-error', response: { status: 413 } });
  const next = (seq: number, first: number, last: number) => request(seq, 'Fragment', { range: range(first, last) });
  const shrink = (ledger: LedgerEntry[]) => judged(shrink413, observation({ ledger: [request(1, 'Create-Session'), ...ledger], ...acknowledged }));

  test('one byte smaller is smaller', () => {
    expect(shrink([tooLarge(0, 999), next(3, 0, 998)])).toEqual([]);
    expect(shrink([tooLarge(1000, 1999), next(3, 1000, 1998)])).toEqual([]);
  });

  test('as large again, or larger: named with both sizes', () => {
    expect(shrink([tooLarge(0, 999), next(3, 0, 999)])).toEqual([
      { rule: 'PKT-SHRINK', message: expect.stringMatching(/1000-byte fragment.*1000 bytes/) },
    ]);
    expect(shrink([tooLarge(1000, 1999), next(3, 1000, 2499)])).toEqual([
      { rule: 'PKT-SHRINK', message: expect.stringMatching(/1000-byte fragment.*1500 bytes/) },
    ]);
  });

  test('the next fragment is judged, not the next request', () => {
    const ledger = [tooLarge(0, 999), request(3, 'Close-Session'), request(4, 'Create-Session'), next(5, 0, 999)];
    expect(shrink(ledger)).toEqual([{ rule: 'PKT-SHRINK', message: expect.stringContaining('1000 bytes') }]);
  });

  test('no 413 reached, or no fragment after it: nothing to compare; the upload must still complete', () => {
    expect(shrink([next(2, 0, 999)])).toEqual([]);
    expect(shrink([tooLarge(0, 999)])).toEqual([]);
    expect(judged(shrink413, observation({ ledger: [tooLarge(0, 999)], ...gaveUp }))).toEqual([
      { rule: 'PKT-SHRINK', message: expect.stringContaining('the upload should complete despite') },
    ]);
  });
});

describe('host-id (PKT-HOST-ID): the session\'s packets go to the host the Create-Session Ack named', () => {
  const farm = farmHostFor(ORIGIN);
  const atFarm = (seq: number, packetType: LedgerEntry['packetType']) => request(seq, packetType, { url: `http://${farm}/upload` });
  const hosts = (ledger: LedgerEntry[]) => judged(hostId, observation({ ledger, ...acknowledged }));

  test('every packet of the session at the farm\'s host: nothing to name', () => {
    expect(hosts([request(1, 'Ping'), request(2, 'Create-Session'), atFarm(3, 'Fragment'), atFarm(4, 'Fragment'), atFarm(5, 'Close-Session')])).toEqual([]);
    // Without a Ping first: the first answer of 200 is the Create-Session's.
    expect(hosts([request(1, 'Create-Session'), atFarm(2, 'Fragment'), atFarm(3, 'Close-Session')])).toEqual([]);
  });

  test('a Fragment, a Close-Session or a Cancel-Session at the original host: named, with the host and the count', () => {
    for (const packetType of ['Fragment', 'Close-Session', 'Cancel-Session'] as const) {
      const failures = hosts([request(1, 'Create-Session'), atFarm(2, 'Fragment'), request(3, packetType)]);
      expect(failures, packetType).toEqual([{ rule: 'PKT-HOST-ID', message: expect.stringContaining(`named host ${farm}, but 1 later packet(s) of the session went to bits.test`) }]);
    }
  });

  test('the session starts at the Create-Session the server accepted: what came before is no part of it', () => {
    // A first attempt the connection broke, then a Cancel-Session at the original host, then the session.
    const ledger = [
      request(1, 'Ping'), request(2, 'Create-Session', { response: undefined }), request(3, 'Cancel-Session'),
      request(4, 'Create-Session'), atFarm(5, 'Fragment'), atFarm(6, 'Close-Session'),
    ];
    expect(hosts(ledger)).toEqual([]);
    // The same with the first attempt refused.
    expect(hosts(ledger.map((e) => (e.seq === 2 ? { ...e, response: { status: 500 } } : e)))).toEqual([]);
  });

  test('no session created: nothing to judge here; the upload must still complete (JOB-SUCCESS)', () => {
    expect(hosts([request(1, 'Create-Session', { response: { status: 500 } }), request(2, 'Fragment')])).toEqual([]);
    expect(judged(hostId, observation({ ledger: [request(1, 'Ping')], ...gaveUp }))).toEqual([
      { rule: 'JOB-SUCCESS', message: expect.stringContaining('the upload should complete despite') },
    ]);
  });
});

describe('no-reply-url: a success Ack without BITS-Reply-URL is an error for an upload-reply job (context 5), then quiet', () => {
  const finalAck = request(3, 'Fragment', { fault: 'no-reply-url' });
  const ledger = [request(1, 'Create-Session'), request(2, 'Fragment'), finalAck];
  const decided = (states: StateEntry[], more: LedgerEntry[] = []) => judged(noReplyUrl, observation({ ledger: [...ledger, ...more], states }));

  test('ERROR with context 5 (REMOTE_FILE), and no request after it: nothing to name', () => {
    expect(decided([state('TRANSFERRING', 2), state('ERROR', 3, { context: 5, code: 1 })])).toEqual([]);
  });

  test('a success claimed on it: PKT-REPLY, with the state claimed as evidence', () => {
    for (const claimed of ['TRANSFERRED', 'ACKNOWLEDGED']) {
      expect(decided([state('TRANSFERRING', 2), state(claimed, 3)]), claimed).toEqual([
        { rule: 'PKT-REPLY', message: expect.stringContaining(`the job claimed ${claimed}`), evidence: { claims: [1] } },
      ]);
    }
  });

  test('another wrong decision, or the wrong context: PKT-ACK-INVALID', () => {
    expect(decided([state('TRANSIENT_ERROR', 3, { context: 5, code: 1 })])).toEqual([
      { rule: 'PKT-ACK-INVALID', message: expect.stringContaining('expected ERROR, observed TRANSIENT_ERROR'), evidence: { claims: [0] } },
    ]);
    expect(decided([state('ERROR', 3, { context: 7, code: 1 })])).toEqual([
      { rule: 'PKT-ACK-INVALID', message: expect.stringMatching(/expected an error with context 5.*observed \{ context 7/) },
    ]);
  });

  test('a request after the ERROR decision, before the harness acted: JOB-FATAL', () => {
    expect(decided([state('ERROR', 3, { context: 5, code: 1 })], [request(4, 'Fragment')])).toEqual([
      { rule: 'JOB-FATAL', message: expect.stringContaining('1 request(s) after the job\'s fatal error'), evidence: { unwanted: [4] } },
    ]);
  });
});

describe('upload-no-reply-url: a plain upload job needs no BITS-Reply-URL', () => {
  const ledger = [request(1, 'Create-Session'), request(2, 'Fragment', { fault: 'no-reply-url' })];

  test('completed: nothing to name; not completed: PKT-REPLY', () => {
    expect(judged(uploadNoReplyUrl, observation({ ledger, ...acknowledged }))).toEqual([]);
    expect(judged(uploadNoReplyUrl, observation({ ledger, ...gaveUp }))).toEqual([
      { rule: 'PKT-REPLY', message: expect.stringContaining('the upload should complete despite') },
    ]);
  });
});
