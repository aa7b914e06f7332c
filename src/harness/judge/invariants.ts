// Invariants judged on every case of every suite, whatever the flow: the Ack's range is honoured,
// Close-Session comes once and only for a finished upload, every resume() starts again at Ping, a
// success claim is backed by the server's bytes and the application's 200, final states stay quiet.
import { HRESULT } from '../../protocol/index.js';
import type { LedgerEntry } from '../../server/index.js';
import { canTellAtOnce, tolerance, type ConformanceCase } from '../cases.js';
import { fmtMs } from '../format.js';
import type { Observation } from '../observation.js';
import { fail, firstOf, type Failure } from './failure.js';
import { callsOf, postsOf, sessionOf, SUCCESS_STATES } from './timeline.js';

/** ACK-RANGE-ALWAYS: after a success Ack naming an offset before the end, the session goes on from there. */
function checkAckRange(c: ConformanceCase, o: Observation): Failure[] {
  const offences = [];
  for (const e of o.ledger.filter((x) => x.packetType === 'Fragment' && x.response?.status === 200)) {
    const told = e.response!.receivedRange;
    // Number.isInteger is false for an Ack that named no offset too.
    if (!Number.isInteger(told) || told! >= c.payloadBytes) continue;
    const next = o.ledger.find((x) => x.seq > e.seq);
    const stopped = next && ['Close-Session', 'Cancel-Session'].includes(next.packetType) && sessionOf(next) === sessionOf(e);
    // After the harness cancelled or suspended the job, ending the session is an answer to that call.
    const asked = o.calls.some((x) => (x.call === 'cancel' || x.call === 'suspend') && next && x.seen < next.seq);
    if (stopped && !asked) {
      offences.push({ message: `request #${next.seq}: the Ack of request #${e.seq} named offset ${told} of ${c.payloadBytes} bytes, yet the client sent ${next.packetType} instead of a Fragment from ${told}`, evidence: { unwanted: [next.seq] } });
    }
  }
  return firstOf('ACK-RANGE-ALWAYS', offences);
}

/** PKT-CLOSE-EARLY: Close-Session while the server held less than the whole file. */
function checkCloseEarly(c: ConformanceCase, o: Observation): Failure[] {
  // A Close-Session of a session the server did not hold carries no count: it deleted nothing.
  const early = o.ledger.filter((e) => e.packetType === 'Close-Session' && (e.receivedBefore ?? c.payloadBytes) < c.payloadBytes);
  return firstOf('PKT-CLOSE-EARLY', early.map((e) => ({ message: `request #${e.seq}: Close-Session while the server held ${e.receivedBefore} of ${c.payloadBytes} bytes (the upload file is deleted)`, evidence: { unwanted: [e.seq] } })));
}

/** An answer to Close-Session that ends it: anything but 500-599 without session-not-found, or no answer. */
const closeAccepted = (e: LedgerEntry): boolean => {
  const status = e.response?.status ?? 0;
  return status !== 0 && !(status >= 500 && status <= 599 && e.response!.errorCode !== HRESULT.BG_E_SESSION_NOT_FOUND);
};

/** PKT-CLOSE-ONCE: a session whose upload succeeded is closed once, and not again after the server accepted it. */
function checkCloseOnce(o: Observation): Failure[] {
  const succeeded = [...new Set(postsOf(o).filter((p) => p.notification!.status === 200).map((p) => sessionOf(p)))];
  const failures: Failure[] = [];
  for (const session of succeeded) {
    const closes = o.ledger.filter((e) => e.packetType === 'Close-Session' && sessionOf(e) === session);
    const accepted = closes.findIndex(closeAccepted);
    const again = accepted < 0 ? [] : closes.slice(accepted + 1);
    if (again.length) failures.push(fail('PKT-CLOSE-ONCE', `request #${again[0]!.seq}: Close-Session sent again after the server accepted the one of request #${closes[accepted]!.seq} (${again.length} more)`, { unwanted: again.map((e) => e.seq) }));
  }
  // The session behind the job's success must be closed, once complete() gave a client that closes then its chance.
  const last = postsOf(o).at(-1);
  const claimed = o.states.some((s) => SUCCESS_STATES.includes(s.state));
  if (last?.notification!.status === 200 && claimed && o.checkpoints['after-complete']) {
    // Sent at all (MC-BUP 1.3.2); re-sending one that failed is PKT-CLOSE-RETRY's, or the drop scenario's, to judge.
    const closed = o.ledger.some((e) => e.packetType === 'Close-Session' && sessionOf(e) === sessionOf(last));
    if (!closed) failures.push(fail('PKT-CLOSE-ONCE', `the session of the successful post (request #${last.seq}) was never closed: no Close-Session was sent`));
  }
  return failures;
}

/**
 * RESUME-RESTARTS: every resume() of a job in ERROR or TRANSIENT_ERROR sends Ping at once (MC-BUP 3.1.4.3),
 * then goes on with the session it has (STATE_PING leads to FRAGMENT, 3.1.5.1.3). Not after a 403.
 */
function checkResumes(c: ConformanceCase, o: Observation): Failure[] {
  if (!c.expected.repostAllowed) return [];
  const offences = [];
  for (const r of callsOf(o, 'resume').slice(1).filter((x) => x.state === 'ERROR' || x.state === 'TRANSIENT_ERROR')) {
    const [next, after] = o.ledger.filter((e) => e.seq > r.seen);
    if (!next) continue; // nothing sent at all: the case's own rule says what was missing
    const at = `resume() at +${fmtMs(r.t)} in ${r.state}`;
    if (next.packetType !== 'Ping') offences.push({ message: `${at}: the first request was ${next.packetType}; a resumed job starts again at Ping (MC-BUP 3.1.4.3)` });
    else if (canTellAtOnce(c.timing) && next.t - r.t >= c.timing.minimumRetryDelayMs - tolerance(c.timing)) {
      offences.push({ message: `${at}: the first request came ${fmtMs(next.t - r.t)} later, after MinimumRetryDelay (${fmtMs(c.timing.minimumRetryDelayMs)}); resume() retries at once` });
    } else if (r.openSessions > 0 && next.response?.status === 200 && after?.packetType === 'Create-Session') {
      offences.push({ message: `${at}: after Ping the job created a new session, though its own was still open; a resumed job goes on with its session (MC-BUP 3.1.5.1.3: PING, then FRAGMENT)`, evidence: { unwanted: [after.seq] } });
    }
  }
  return firstOf('RESUME-RESTARTS', offences);
}

/** NO-FALSE-SUCCESS: each success claim needs the whole file at the server and the application's 200. */
function checkSuccessClaims(o: Observation): Failure[] {
  const offences = [];
  for (const [i, s] of o.states.entries()) {
    // Stryker disable next-line StringLiteral: the first state's stand-in predecessor need only be no success state
    if (!SUCCESS_STATES.includes(s.state) || SUCCESS_STATES.includes(o.states[i - 1]?.state ?? '')) continue;
    const last = postsOf(o).filter((p) => p.seq <= s.seen).at(-1);
    const why = !last
      ? 'the file was never posted to the server application (the server does not hold it whole)'
      : last.notification!.status !== 200
        ? `the application's last answer was ${last.notification!.status}, not 200`
        : last.notification!.fileSha256 !== o.payloadSha256
          ? 'the file the server holds differs from the payload (SHA-256)'
          : undefined;
    if (why) offences.push({ message: `the job claimed ${s.state} at +${fmtMs(s.t)}, but ${why}`, evidence: { claims: [i] } });
  }
  return firstOf('NO-FALSE-SUCCESS', offences);
}

/**
 * JOB-FINAL-QUIET: after ACKNOWLEDGED only Close-Session, after CANCELLED only Cancel-Session. A request
 * that arrived before the complete() or cancel() that led there had returned may have been sent before
 * it took effect (over TCP the client's events and its requests travel apart): not counted.
 */
function checkFinalStates(o: Observation): Failure[] {
  const index = o.states.findIndex((s) => s.state === 'ACKNOWLEDGED' || s.state === 'CANCELLED');
  const final = o.states[index];
  if (!final) return [];
  const led = o.calls.filter((x) => (x.call === 'complete' || x.call === 'cancel') && x.seen <= final.seen).at(-1);
  const from = Math.max(final.seen, led?.seenAfter ?? 0);
  const allowed = final.state === 'ACKNOWLEDGED' ? 'Close-Session' : 'Cancel-Session';
  const late = o.ledger.filter((e) => e.seq > from && e.packetType !== allowed);
  if (!late.length) return [];
  return [fail('JOB-FINAL-QUIET', `${late.length} request(s) after the job reached ${final.state} (first: ${late[0]!.packetType}, request #${late[0]!.seq})`, { unwanted: late.map((e) => e.seq) })];
}

/** JOB-STATES: every state the job reported is a BG_JOB_STATE name. */
function checkStateNames(o: Observation): Failure[] {
  const invalid = o.states.filter((s) => !s.valid);
  return firstOf('JOB-STATES', invalid.map((s) => ({ message: `at +${fmtMs(s.t)} the job reported ${s.state}, which is not a BG_JOB_STATE name` })));
}

/** The invariants about requests, most specific first: they blame a request before the case's own checks do. */
export function requestInvariants(c: ConformanceCase, o: Observation): Failure[] {
  return [...checkAckRange(c, o), ...checkCloseEarly(c, o), ...checkCloseOnce(o), ...checkResumes(c, o)];
}

/** The invariants about what the job claims: after the case's own checks, which name a wrong decision more precisely. */
export function claimInvariants(o: Observation): Failure[] {
  return [...checkSuccessClaims(o), ...checkFinalStates(o), ...checkStateNames(o)];
}
