// The packet checks (judge/wire.ts) on ledgers built by hand: each check at the edges of its premise,
// with the words a vendor reads. The expectations come from the rules (rules.json, docs/spec.md
// section 4): which packets must carry what, and what the server's offsets demand of the next fragment.
import { describe, expect, test } from 'vitest';
import { BITS_PROTOCOL_GUID } from '../../protocol/index.js';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import type { Observation } from '../observation.js';
import { caseOf, ledgerEntry, observation as emptyObservation } from './test-support.js';
import { checkWire } from './wire.js';

const c: ConformanceCase = caseOf('app/200/mirror/upload');
const size = c.payloadBytes;

// The packet checks read the ledger alone; here a request carries no session unless a test gives it one.
const observation = (ledger: LedgerEntry[]): Observation => emptyObservation({ ledger });
const request = (seq: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry => ledgerEntry(seq, packetType, { response: { status: 200 }, ...more });
/** A well-formed Fragment of bytes first..last of session {S1}, answered with the next offset. */
const fragment = (seq: number, first: number, last: number, received: number | undefined, more: Partial<LedgerEntry> = {}): LedgerEntry =>
  request(seq, 'Fragment', { sessionId: '{S1}', range: { first, last, total: size }, bodyLength: last - first + 1, response: { status: 200, ...(received === undefined ? {} : { receivedRange: received }) }, ...more });
const create = (seq: number, more: Partial<LedgerEntry> = {}): LedgerEntry => request(seq, 'Create-Session', { offeredProtocol: true, ...more });
const named = (rule: string, ledger: LedgerEntry[]) => checkWire(c, observation(ledger)).filter((f) => f.rule === rule);
const messages = (rule: string, ledger: LedgerEntry[]) => named(rule, ledger).map((f) => f.message);

describe('PKT-CREATE: a Create-Session offering the BITS protocol comes before the first Fragment', () => {
  test('a Fragment with no Create-Session at all, first packet or not', () => {
    expect(messages('PKT-CREATE', [request(1, 'Ping'), fragment(2, 0, size - 1, size)])).toEqual(['request #2: a Fragment was sent before any Create-Session']);
    expect(messages('PKT-CREATE', [fragment(1, 0, size - 1, size)])).toEqual(['request #1: a Fragment was sent before any Create-Session']);
  });

  test('a Fragment before the first Create-Session, though other packets came before it', () => {
    expect(messages('PKT-CREATE', [request(1, 'Ping'), fragment(2, 0, 9, 10), create(3), fragment(4, 10, size - 1, size)])).toEqual(['request #2: a Fragment was sent before any Create-Session']);
  });

  test('not named when the Create-Session came first, nor when no Fragment was sent', () => {
    expect(named('PKT-CREATE', [request(1, 'Ping'), create(2), fragment(3, 0, size - 1, size)])).toEqual([]);
    expect(named('PKT-CREATE', [request(1, 'Ping'), create(2)])).toEqual([]);
  });

  test('a Create-Session that did not offer the protocol GUID', () => {
    expect(messages('PKT-CREATE', [create(1, { offeredProtocol: false }), fragment(2, 0, size - 1, size)])).toEqual([
      `request #1: Create-Session did not offer ${BITS_PROTOCOL_GUID} in BITS-Supported-Protocols`,
    ]);
    expect(named('PKT-CREATE', [create(1, { offeredProtocol: true }), fragment(2, 0, size - 1, size)])).toEqual([]);
  });
});

describe('PKT-SESSION: every later packet of a session carries the id the server gave', () => {
  test.for(['Fragment', 'Close-Session', 'Cancel-Session'] as const)('a %s without BITS-Session-Id', (type) => {
    expect(messages('PKT-SESSION', [create(1), request(2, type)])).toEqual([`request #2: a ${type} carried no BITS-Session-Id`]);
  });

  test('Ping and Create-Session belong to no session yet: they carry none', () => {
    expect(named('PKT-SESSION', [request(1, 'Ping'), create(2)])).toEqual([]);
  });

  test('an id the server never gave', () => {
    expect(messages('PKT-SESSION', [create(1), request(2, 'Close-Session', { sessionId: '{S9}', sessionIssued: false })])).toEqual([
      'request #2: a Close-Session carried {S9}, a session id the server never gave',
    ]);
    expect(named('PKT-SESSION', [create(1), request(2, 'Close-Session', { sessionId: '{S1}', sessionIssued: true })])).toEqual([]);
  });
});

describe('PKT-RANGE: Content-Range well formed, its total the file size, the body as long as the range', () => {
  test('a Content-Range that does not parse is quoted; a missing one is said to be missing', () => {
    const unparsed = fragment(2, 0, 9, 10, { range: undefined, contentRange: 'bytes 0-9' });
    expect(messages('PKT-RANGE', [create(1), unparsed])).toEqual(['request #2: Content-Range "bytes 0-9" is not "bytes a-b/total"']);
    expect(messages('PKT-RANGE', [create(1), fragment(2, 0, 9, 10, { range: undefined })])).toEqual(['request #2: Content-Range null is not "bytes a-b/total"']);
  });

  test('a total that is not the file size', () => {
    expect(messages('PKT-RANGE', [create(1), fragment(2, 0, 9, 10, { range: { first: 0, last: 9, total: size + 1 } })])).toEqual([
      `request #2: Content-Range total ${size + 1}, but the file has ${size} bytes`,
    ]);
  });

  test('a body shorter or longer than the range', () => {
    expect(messages('PKT-RANGE', [create(1), fragment(2, 10, 19, 20, { bodyLength: 9 })])).toEqual(['request #2: 9 bytes of body for a range of 10']);
    expect(messages('PKT-RANGE', [create(1), fragment(2, 10, 19, 20, { bodyLength: 11 })])).toEqual(['request #2: 11 bytes of body for a range of 10']);
    expect(named('PKT-RANGE', [create(1), fragment(2, 10, 19, 20, { bodyLength: 10 })])).toEqual([]);
  });

  test('a fragment that leaves a gap after the bytes the server held; an overlap or a fragment right after them is no gap', () => {
    expect(messages('PKT-RANGE', [create(1), fragment(2, 11, 19, 20, { receivedBefore: 10 })])).toEqual(['request #2: the fragment starts at 11, leaving a gap after the 10 bytes the server had']);
    expect(named('PKT-RANGE', [create(1), fragment(2, 10, 19, 20, { receivedBefore: 10 })])).toEqual([]);
    expect(named('PKT-RANGE', [create(1), fragment(2, 5, 19, 20, { receivedBefore: 10 })])).toEqual([]);
  });

  test('several offences: the first, and how many more', () => {
    const ledger = [create(1), fragment(2, 0, 9, 10, { bodyLength: 1 }), fragment(3, 10, 19, 20, { bodyLength: 1 })];
    expect(messages('PKT-RANGE', ledger)).toEqual(['request #2: 1 bytes of body for a range of 10 (and 1 more)']);
  });
});

describe('PKT-RESUME-OFFSET: the next fragment of a session starts where the server said', () => {
  test('the whole file sent again from 0 after the server named an offset', () => {
    const ledger = [create(1), fragment(2, 0, 99, 100), fragment(3, 0, size - 1, size)];
    expect(messages('PKT-RESUME-OFFSET', ledger)).toEqual(['request #3: the fragment starts at 0, but the server said to continue from 100 (the whole file sent again from 0)']);
  });

  test('a fragment from another offset than the one named', () => {
    const ledger = [create(1), fragment(2, 0, 99, 50), fragment(3, 100, size - 1, size)];
    expect(messages('PKT-RESUME-OFFSET', ledger)).toEqual(['request #3: the fragment starts at 100, but the server said to continue from 50']);
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, 99, 50), fragment(3, 50, size - 1, size)])).toEqual([]);
  });

  test('the session ids are compared as the server compares them (case and spaces aside); another session starts afresh', () => {
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, 99, 100), fragment(3, 0, size - 1, size, { sessionId: ' {s1} ' })])).toHaveLength(1);
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, 99, 100), create(3), fragment(4, 0, size - 1, size, { sessionId: '{S2}' })])).toEqual([]);
  });

  test('an answer that named no offset, or none at all (the connection broke), leaves the last instruction standing', () => {
    const noRange = [create(1), fragment(2, 0, 99, 100), fragment(3, 100, 199, undefined), fragment(4, 0, size - 1, size)];
    expect(named('PKT-RESUME-OFFSET', noRange)).toHaveLength(1);
    const unanswered = [create(1), fragment(2, 0, 99, 100), fragment(3, 100, 199, undefined, { response: undefined }), fragment(4, 0, size - 1, size)];
    expect(named('PKT-RESUME-OFFSET', unanswered)).toHaveLength(1);
    const dropped = [create(1), fragment(2, 0, 99, 100), fragment(3, 100, 199, undefined, { response: { status: 0 } }), fragment(4, 100, size - 1, size)];
    expect(named('PKT-RESUME-OFFSET', dropped)).toEqual([]);
  });

  test('an offset past the end of the file is no instruction (PKT-ACK-INVALID judges it), and it cancels the one before', () => {
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, 99, size + 1), fragment(3, 0, size - 1, size)])).toEqual([]);
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, 99, 100), fragment(3, 100, 199, size + 1), fragment(4, 50, size - 1, size)])).toEqual([]);
    // The end of the file itself is an offset the server may name.
    expect(named('PKT-RESUME-OFFSET', [create(1), fragment(2, 0, size - 1, size), fragment(3, 0, size - 1, size)])).toHaveLength(1);
  });
});

describe('EMPTY-PACKET-LENGTH: the body-less packets carry Content-Length: 0, where the request head was seen', () => {
  test.for(['Ping', 'Create-Session', 'Close-Session', 'Cancel-Session'] as const)('a %s without it', (type) => {
    expect(messages('EMPTY-PACKET-LENGTH', [request(1, type, { sessionId: '{S1}', contentLengthSent: false })])).toEqual([`request #1: a ${type} without Content-Length: 0`]);
  });

  test('not named for a Fragment (its length is PKT-RANGE\'s), nor where the head was not seen (in-process)', () => {
    expect(named('EMPTY-PACKET-LENGTH', [create(1, { contentLengthSent: true }), fragment(2, 0, size - 1, size, { contentLengthSent: false })])).toEqual([]);
    expect(named('EMPTY-PACKET-LENGTH', [request(1, 'Ping')])).toEqual([]);
  });
});

describe('CONNECTION-REUSE: a new connection only after the old one broke, or for another host', () => {
  const on = (connection: number, e: LedgerEntry, url = e.url): LedgerEntry => ({ ...e, connection, url });

  test('a new connection while the one before was still open', () => {
    const ledger = [on(1, request(1, 'Ping')), on(1, create(2)), on(2, fragment(3, 0, size - 1, size))];
    const [f] = named('CONNECTION-REUSE', ledger);
    expect(f!.message).toBe('interpretation: request #3: a Fragment came on a new connection, though the one request #2 used was still open');
  });

  test('not named after a connection the server dropped, for another host, nor in-process', () => {
    expect(named('CONNECTION-REUSE', [on(1, create(1)), on(1, fragment(2, 0, 99, undefined, { response: { status: 0 } })), on(2, fragment(3, 0, size - 1, size))])).toEqual([]);
    expect(named('CONNECTION-REUSE', [on(1, create(1)), on(2, fragment(2, 0, size - 1, size), 'http://other.test/upload')])).toEqual([]);
    expect(named('CONNECTION-REUSE', [create(1), fragment(2, 0, size - 1, size)])).toEqual([]);
  });

  // The job's requests are its BITS_POST packets; the reply is a plain GET of BITS-Reply-URL (PKT-REPLY),
  // a URL the server chooses and which may name another server, so it may come on a connection of its
  // own, and the packets after it keep the job's connection.
  test('the reply download is not one of the job\'s packets', () => {
    const get = (seq: number): LedgerEntry => ({ ...request(seq, 'GET'), method: 'GET', url: 'http://bits.test/reply/1' });
    expect(named('CONNECTION-REUSE', [on(1, create(1)), on(1, fragment(2, 0, size - 1, size)), on(2, get(3)), on(1, request(4, 'Close-Session', { sessionId: '{S1}' }))])).toEqual([]);
  });

  test('a request with no answer recorded (the ledger type allows one) is judged, not thrown on', () => {
    expect(() => checkWire(c, observation([on(1, create(1, { response: undefined })), on(2, fragment(2, 0, size - 1, size))]))).not.toThrow();
  });
});
