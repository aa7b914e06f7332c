// The judge of the wire and of the protocol scenarios: what the client's packets were (every case),
// and what it did around a scripted server fault or timing setting (scenario cases).
import { formatHresult } from '../protocol/index.js';
import { BG_ERROR_CONTEXT } from '../rules/index.js';
import { farmHostFor, type LedgerEntry } from '../server/index.js';
import type { ConformanceCase } from './cases.js';
import type { JobError } from './contract.js';
import type { Observation } from './observation.js';
import { scenarioByName } from './scenarios.js';

export interface Failure {
  rule: string;
  message: string;
}

const IN_PROGRESS = ['QUEUED', 'CONNECTING', 'TRANSFERRING'];
const TRANSPORT_CONTEXT = BG_ERROR_CONTEXT.GENERAL_TRANSPORT;
const fmtMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
const showError = (e: JobError | null | undefined): string => (e ? `{ context ${e.context}, code ${formatHresult(e.code)} }` : 'none');
const tolerance = (c: ConformanceCase): number => c.timing.toleranceMs ?? 0;
/**
 * On the wall clock a state is seen when it is observed, which can be late under load but never early:
 * upper bounds get this much more. Lower bounds ("not before the delay") need none.
 */
export const observationSlack = (c: ConformanceCase): number => (c.timing.toleranceMs === undefined ? 0 : 1_000);

/** The first settled state the client reached after a request: its decision about that answer. */
export function decisionAfter(o: Observation, request: LedgerEntry): { t: number; state: string; error: JobError | null } | undefined {
  const s = o.states.find((x) => (x.seen ?? 0) >= request.seq && !IN_PROGRESS.includes(x.state));
  return s ? { t: s.t, state: s.state, error: s.error ?? null } : undefined;
}

/** One failure per rule: the first offence, with how many there were. */
function firstOf(rule: string, offences: string[]): Failure[] {
  if (!offences.length) return [];
  return [{ rule, message: offences.length === 1 ? offences[0]! : `${offences[0]} (and ${offences.length - 1} more)` }];
}

/** PKT-CREATE, PKT-SESSION, PKT-RANGE, PKT-RESUME-OFFSET: read from the ledger of any case. */
export function checkWire(c: ConformanceCase, o: Observation): Failure[] {
  const packets = o.ledger.filter((e) => e.packetType !== 'GET');
  const create: string[] = [];
  const session: string[] = [];
  const range: string[] = [];
  const resume: string[] = [];

  const firstCreate = packets.find((e) => e.packetType === 'Create-Session');
  const firstFragment = packets.find((e) => e.packetType === 'Fragment');
  if (firstFragment && (!firstCreate || firstCreate.seq > firstFragment.seq)) create.push(`request #${firstFragment.seq}: a Fragment was sent before any Create-Session`);
  for (const e of packets) {
    if (e.packetType === 'Create-Session' && e.offeredProtocol === false) create.push(`request #${e.seq}: Create-Session did not offer {7df0354d-249b-430f-820d-3d2a9bef4931} in BITS-Supported-Protocols`);
    if (e.packetType === 'Fragment' || e.packetType === 'Close-Session' || e.packetType === 'Cancel-Session') {
      if (!e.sessionId) session.push(`request #${e.seq}: a ${e.packetType} carried no BITS-Session-Id`);
      else if (e.sessionIssued === false) session.push(`request #${e.seq}: a ${e.packetType} carried ${e.sessionId}, a session id the server never gave`);
    }
  }

  const lastReceived = new Map<string, number>();
  for (const e of packets.filter((x) => x.packetType === 'Fragment')) {
    if (!e.range) {
      range.push(`request #${e.seq}: Content-Range ${JSON.stringify(e.contentRange ?? null)} is not "bytes a-b/total"`);
      continue;
    }
    const { first, last, total } = e.range;
    if (total !== c.payloadBytes) range.push(`request #${e.seq}: Content-Range total ${total}, but the file has ${c.payloadBytes} bytes`);
    if (e.bodyLength !== last - first + 1) range.push(`request #${e.seq}: ${e.bodyLength} bytes of body for a range of ${last - first + 1}`);
    if (e.receivedBefore !== undefined && first > e.receivedBefore) range.push(`request #${e.seq}: the fragment starts at ${first}, leaving a gap after the ${e.receivedBefore} bytes the server had`);
    const key = (e.sessionId ?? '').toLowerCase();
    const told = lastReceived.get(key);
    if (told !== undefined && first !== told) {
      resume.push(`request #${e.seq}: the fragment starts at ${first}, but the server said to continue from ${told}${first === 0 ? ' (the whole file sent again from 0)' : ''}`);
    }
    // An offset past the end of the file is no instruction a client could follow (PKT-ACK-INVALID judges it).
    const told2 = e.response?.receivedRange;
    if (told2 !== undefined && told2 <= c.payloadBytes) lastReceived.set(key, told2);
    else if (told2 !== undefined) lastReceived.delete(key);
  }
  return [...firstOf('PKT-CREATE', create), ...firstOf('PKT-SESSION', session), ...firstOf('PKT-RANGE', range), ...firstOf('PKT-RESUME-OFFSET', resume)];
}

/**
 * Why a scenario could not check this client, if it could not: it is about the middle of an upload
 * (a fault on a non-final fragment, progress between errors), and the client sent the whole file in one
 * fragment every time.
 */
export function scenarioUnsupported(c: ConformanceCase, o: Observation): string | undefined {
  const s = scenarioByName(c.scenario!);
  if (!s.needsFragments) return undefined;
  const fragments = o.ledger.filter((e) => e.packetType === 'Fragment' && e.range);
  const whole = fragments.length > 0 && fragments.every((e) => e.range!.first === 0 && e.range!.last + 1 === e.range!.total);
  return whole ? `the client sent the ${c.payloadBytes}-byte file in one fragment; this scenario needs two or more (use fragments under ${Math.ceil(c.payloadBytes / 2)} bytes)` : undefined;
}

/** A protocol or timing scenario: what the client did around the scripted fault or setting. */
export function judgeScenario(c: ConformanceCase, o: Observation): Failure[] {
  const s = scenarioByName(c.scenario!);
  const f: Failure[] = [];
  const rule = s.rules[0]!;
  const tol = tolerance(c);
  const delay = c.timing.minimumRetryDelayMs;
  const faulted = o.ledger.find((e) => e.fault);
  const posts = o.ledger.filter((e) => e.notification);
  const count = (type: string) => o.ledger.filter((e) => e.packetType === type);
  const claimed = (states: string[]) => o.states.find((x) => states.includes(x.state));
  const completed = (why = rule) => {
    const done = o.checkpoints['after-complete'];
    return done?.state === 'ACKNOWLEDGED'
      ? []
      : [{ rule: why, message: `the upload should complete despite ${s.title}; the job ended ${o.states.at(-1)?.state ?? 'nowhere'} (states: ${o.states.map((x) => x.state).join(' -> ')})` }];
  };
  /** The state and error the client reported after the faulted request, against the expected ones. */
  const decisionOnFault = (errorRule: string, stateRule = errorRule): Failure[] => {
    if (!faulted) return [{ rule, message: 'the scripted fault was never reached: the client did not send the packet it applies to' }];
    const d = decisionAfter(o, faulted);
    const want = s.expected.error;
    if (!d) return [{ rule: stateRule, message: `after ${s.title}, the job never settled (states: ${o.states.map((x) => x.state).join(' -> ')})` }];
    const out: Failure[] = [];
    // A wrong decision says it all: the error that goes with it is its consequence, not a second fault.
    if (d.state !== s.expected.state) return [{ rule: stateRule, message: `after ${s.title}, expected ${s.expected.state}, observed ${d.state}` }];
    if (want && (!d.error || d.error.context !== want.context || d.error.code !== want.code)) {
      out.push({ rule: errorRule, message: `after ${s.title}, expected error ${showError(want)}, observed ${showError(d.error)}` });
    }
    const context = s.expected.errorContext;
    if (context !== undefined && d.error?.context !== context) {
      out.push({ rule: errorRule, message: `after ${s.title}, expected an error with context ${context} (the server's answer is at fault), observed ${showError(d.error)}` });
    }
    return out;
  };
  /** The error the job reports when it gives up (ERROR), against the expected one: context and code apart. */
  const errorOnGivingUp = (gaveUp: { error?: JobError | null }): Failure[] => {
    const want = s.expected.error;
    const got = gaveUp.error ?? null;
    if (!want || showError(got) === showError(want)) return [];
    if (!got) return [{ rule: 'APP-CONTEXT', message: `expected error ${showError(want)} in ERROR, observed none` }];
    const out: Failure[] = [];
    if (got.context !== want.context) out.push({ rule: 'APP-CONTEXT', message: `expected context ${want.context} in ERROR, observed ${got.context}` });
    if (got.code !== want.code) out.push({ rule: 'ERR-CODE', message: `expected code ${formatHresult(want.code)} in ERROR, observed ${formatHresult(got.code)}` });
    return out;
  };

  switch (s.name) {
    case 'gap-416':
    case 'ack-behind':
      return completed();
    case 'session-lost': {
      const lost = faulted;
      const restarted = lost && o.ledger.some((e) => e.seq > lost.seq && e.packetType === 'Create-Session' && e.response?.status === 200);
      if (!restarted) f.push({ rule, message: 'after 500 + 0x8020001F (session not found) the client never created a new session' });
      return [...f, ...completed()];
    }
    case 'shrink-413': {
      const rejected = faulted;
      const next = rejected && o.ledger.find((e) => e.seq > rejected.seq && e.packetType === 'Fragment');
      if (rejected?.range && next?.range) {
        const before = rejected.range.last - rejected.range.first + 1;
        const after = next.range.last - next.range.first + 1;
        if (after >= before) f.push({ rule, message: `after 413 on a ${before}-byte fragment, the next fragment had ${after} bytes` });
      }
      return [...f, ...completed()];
    }
    case 'close-500':
    case 'close-503':
    case 'close-599': {
      const closes = count('Close-Session');
      if (closes.length < 2) f.push({ rule, message: `Close-Session got ${s.status} and was never sent again (${closes.length} sent)` });
      else if (closes[1]!.t - closes[0]!.t < delay - tol) f.push({ rule, message: `Close-Session was re-sent ${fmtMs(closes[1]!.t - closes[0]!.t)} after the ${s.status}; MinimumRetryDelay is ${fmtMs(delay)}` });
      // Meanwhile the job waits in TRANSIENT_ERROR with the server's error (ERR-CONTEXT-SERVER).
      return [...f, ...decisionOnFault('ERR-CONTEXT-SERVER', rule), ...completed()];
    }
    case 'close-404':
    case 'close-session-not-found': {
      const closes = count('Close-Session');
      if (closes.length !== 1) f.push({ rule, message: `Close-Session got ${s.status}${s.status === 500 ? ' + 0x8020001F' : ''} and must not be re-sent; it was sent ${closes.length} times` });
      return f;
    }
    case 'cancel-503':
    case 'cancel-404': {
      const cancels = count('Cancel-Session');
      if (s.name === 'cancel-503' && cancels.length < 2) f.push({ rule, message: `Cancel-Session got 503 and was never sent again (${cancels.length} sent)` });
      if (s.name === 'cancel-404' && cancels.length !== 1) f.push({ rule, message: `Cancel-Session got 404 and must not be re-sent; it was sent ${cancels.length} times` });
      if (o.checkpoints['after-watch']?.state !== 'CANCELLED') f.push({ rule: 'JOB-FATAL', message: `after cancel() the job is ${o.checkpoints['after-watch']?.state}, not CANCELLED` });
      if (s.rules.includes('ERR-CONTEXT-SERVER')) f.push(...decisionOnFault('ERR-CONTEXT-SERVER'));
      return f;
    }
    case 'server-denied-403':
    case 'uploads-disabled-501':
    case 'bad-request-400':
      return decisionOnFault(rule);
    case 'server-busy-503':
    case 'fragment-500':
      return [...decisionOnFault(rule), ...completed()];
    case 'dropped-mid-upload':
    case 'transport-fault-final':
    case 'close-dropped': {
      if (!faulted) return [{ rule, message: 'the scripted fault was never reached' }];
      const d = decisionAfter(o, faulted);
      if (!d || d.state !== 'TRANSIENT_ERROR') f.push({ rule, message: `a dropped connection is transient: expected TRANSIENT_ERROR, observed ${d?.state ?? 'nothing'}` });
      else if (d.error?.context !== TRANSPORT_CONTEXT) f.push({ rule, message: `a dropped connection is not the application's error: expected the transport context (6), observed ${showError(d.error)}` });
      const next = o.ledger.find((e) => e.seq > faulted.seq);
      if (next && next.t - faulted.t < delay - tol) f.push({ rule, message: `the first request after the drop came ${fmtMs(next.t - faulted.t)} after it; MinimumRetryDelay is ${fmtMs(delay)}` });
      if (posts.length !== 1) f.push({ rule, message: `the application should see the file once; it saw it ${posts.length} times` });
      return [...f, ...completed()];
    }
    case 'no-reply-url': {
      const wrong = claimed(['TRANSFERRED', 'ACKNOWLEDGED']);
      if (wrong) f.push({ rule, message: `a success Ack without BITS-Reply-URL must be an error for an upload-reply job; the job claimed ${wrong.state}` });
      const outcome = o.checkpoints['outcome'];
      if (!outcome?.error) f.push({ rule, message: `a success Ack without BITS-Reply-URL must be reported as an error; the job is ${outcome?.state} with no error` });
      return [...f, ...decisionOnFault('PKT-ACK-INVALID', wrong ? rule : 'PKT-ACK-INVALID')];
    }
    case 'upload-no-reply-url':
      return completed();
    case 'ack-no-range':
    case 'ack-past-end': {
      const wrong = claimed(['TRANSFERRED', 'ACKNOWLEDGED']);
      if (wrong) f.push({ rule, message: `after ${s.title}, the job claimed ${wrong.state}` });
      return [...f, ...decisionOnFault(rule)];
    }
    case 'stalled-server': {
      const first = o.ledger.find((e) => e.packetType === 'Fragment');
      if (!first) return [{ rule, message: 'the client never sent a fragment' }];
      const wrong = claimed(['TRANSFERRED', 'ACKNOWLEDGED']);
      if (wrong) f.push({ rule, message: `the server never held more than it had before, yet the job claimed ${wrong.state}` });
      const gaveUp = o.states.find((x) => (x.seen ?? 0) >= first.seq && x.state === 'ERROR');
      const npt = c.timing.noProgressTimeoutMs;
      if (!gaveUp) {
        f.push({ rule, message: `the upload made no progress, and the job never moved to ERROR (${count('Fragment').length} fragments sent)` });
        return f;
      }
      // The no-progress window opens with the job's first error: when a stall becomes one is the client's call.
      const firstError = o.states.find((x) => (x.seen ?? 0) >= first.seq && (x.state === 'TRANSIENT_ERROR' || x.state === 'ERROR'))!;
      const after = gaveUp.t - firstError.t;
      if (after > npt + delay + tol + observationSlack(c)) f.push({ rule, message: `the job moved to ERROR only ${fmtMs(after)} after its first error, with no progress since; NoProgressTimeout is ${fmtMs(npt)}` });
      const late = o.ledger.filter((e) => e.t > gaveUp.t + tol);
      if (late.length) f.push({ rule: 'JOB-FATAL', message: `${late.length} request(s) after the job moved to ERROR` });
      return f;
    }
    case 'resume-transient': {
      const firstPost = posts[0];
      const resumed = o.calls.filter((x) => x.call === 'resume')[1];
      if (!firstPost || !resumed) return [{ rule, message: `the job never waited in TRANSIENT_ERROR to be resumed (states: ${o.states.map((x) => x.state).join(' -> ')})` }];
      const next = o.ledger.find((e) => e.seq > firstPost.seq);
      if (!next) f.push({ rule, message: 'resume() in TRANSIENT_ERROR sent nothing' });
      else {
        if (next.t - firstPost.t >= delay - tol) f.push({ rule, message: `resume() in TRANSIENT_ERROR did not retry at once: the next request came ${fmtMs(next.t - firstPost.t)} after the error, when MinimumRetryDelay (${fmtMs(delay)}) had passed` });
        if (next.packetType !== 'Ping') f.push({ rule, message: `a resumed job restarts at Ping (MC-BUP 3.1.4.3); its first request was ${next.packetType}` });
      }
      return [...f, ...completed()];
    }
    case 'host-id': {
      const created = o.ledger.find((e) => e.packetType === 'Create-Session' && e.response?.status === 200);
      if (created) {
        const farm = farmHostFor(new URL(created.url).origin);
        const elsewhere = o.ledger.filter((e) => e.seq > created.seq && ['Fragment', 'Close-Session', 'Cancel-Session'].includes(e.packetType) && new URL(e.url).hostname !== farm);
        if (elsewhere.length) f.push({ rule, message: `the Create-Session Ack named host ${farm}, but ${elsewhere.length} later packet(s) of the session went to ${new URL(elsewhere[0]!.url).hostname}` });
      }
      return [...f, ...completed('JOB-SUCCESS')];
    }
    case 'npt-zero':
    case 'delay-over-npt': {
      const first = posts[0];
      if (!first) return [{ rule, message: 'the upload never reached the server application' }];
      const retries = o.ledger.filter((e) => e.seq > first.seq);
      if (retries.length) f.push({ rule, message: `${retries.length} request(s) after the error (first: ${retries[0]!.packetType} at +${fmtMs(retries[0]!.t - first.t)}); no retry was allowed` });
      const decision = decisionAfter(o, first);
      if (s.name === 'npt-zero' && decision?.state !== 'ERROR') f.push({ rule, message: `with NoProgressTimeout 0 the error is fatal: expected ERROR after the final Ack, observed ${decision?.state}` });
      // No retry and ERROR in the end: how soon ERROR shows is not judged here (on the wall clock it
      // is seen when observed); the quiet window proves there was no retry.
      const gaveUp = o.states.find((x) => (x.seen ?? 0) >= first.seq && x.state === 'ERROR');
      if (!gaveUp) f.push({ rule, message: `the job never moved to ERROR (states: ${o.states.map((x) => x.state).join(' -> ')})` });
      if (gaveUp) f.push(...errorOnGivingUp(gaveUp));
      return f;
    }
    case 'progress-resets': {
      const first = posts[0];
      if (!first) return [{ rule, message: 'the upload never reached the server application (the fragment after the 503 was not retried?)' }];
      const gaveUp = o.states.find((x) => (x.seen ?? 0) >= first.seq && x.state === 'ERROR');
      const npt = c.timing.noProgressTimeoutMs;
      if (!gaveUp) return [{ rule: 'JOB-NPT', message: `the job never moved to ERROR (posts: ${posts.length})` }];
      const after = gaveUp.t - first.t;
      if (after < npt - tol) f.push({ rule, message: `the job gave up ${fmtMs(after)} after the application's first error, before NoProgressTimeout ${fmtMs(npt)}: progress did not restart the timer` });
      if (after > npt + delay + tol + observationSlack(c)) f.push({ rule: 'JOB-NPT', message: `the job moved to ERROR only ${fmtMs(after)} after the application's first error; NoProgressTimeout is ${fmtMs(npt)}` });
      return [...f, ...errorOnGivingUp(gaveUp)];
    }
    default:
      return [{ rule, message: `no judgement for scenario ${s.name}` }];
  }
}
