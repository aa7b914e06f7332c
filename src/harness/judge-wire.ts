// The judge of the wire and of the protocol scenarios: what the client's packets were (every case),
// and what it did around a scripted server fault or timing setting (scenario cases).
import { formatHresult } from '../protocol/index.js';
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
    if (e.response?.receivedRange !== undefined) lastReceived.set(key, e.response.receivedRange);
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
  /** The error the client reported after the faulted request, against the expected one. */
  const decisionOnFault = (errorRule: string): Failure[] => {
    if (!faulted) return [{ rule, message: 'the scripted fault was never reached: the client did not send the packet it applies to' }];
    const d = decisionAfter(o, faulted);
    const want = s.expected.error;
    if (!d) return [{ rule: errorRule, message: `after ${s.title}, the job never settled (states: ${o.states.map((x) => x.state).join(' -> ')})` }];
    const out: Failure[] = [];
    if (d.state !== s.expected.state) out.push({ rule: errorRule, message: `after ${s.title}, expected ${s.expected.state}, observed ${d.state}` });
    if (want && (!d.error || d.error.context !== want.context || d.error.code !== want.code)) {
      out.push({ rule: errorRule, message: `after ${s.title}, expected error ${showError(want)}, observed ${showError(d.error)}` });
    }
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
    case 'close-503': {
      const closes = count('Close-Session');
      if (closes.length < 2) f.push({ rule, message: `Close-Session got 503 and was never sent again (${closes.length} sent)` });
      else if (closes[1]!.t - closes[0]!.t < delay - tol) f.push({ rule, message: `Close-Session was re-sent ${fmtMs(closes[1]!.t - closes[0]!.t)} after the 503; MinimumRetryDelay is ${fmtMs(delay)}` });
      return [...f, ...completed()];
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
      return [...decisionOnFault(rule), ...completed()];
    case 'dropped-mid-upload':
    case 'transport-fault-final': {
      if (!faulted) return [{ rule, message: 'the scripted fault was never reached' }];
      const d = decisionAfter(o, faulted);
      if (!d || d.state !== 'TRANSIENT_ERROR') f.push({ rule, message: `a dropped connection is transient: expected TRANSIENT_ERROR, observed ${d?.state ?? 'nothing'}` });
      else if (!d.error || d.error.context === 7) f.push({ rule, message: `a dropped connection is not the application's error: expected a transport context (6), observed ${showError(d.error)}` });
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
      return f;
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
      if (gaveUp && showError(gaveUp.error) !== showError(s.expected.error)) f.push({ rule: 'APP-CONTEXT', message: `expected error ${showError(s.expected.error)} in ERROR, observed ${showError(gaveUp.error)}` });
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
      return f;
    }
    default:
      return [{ rule, message: `no judgement for scenario ${s.name}` }];
  }
}
