// [MC-BUP] 2.2.3.2, 2.2.7.2, 3.1.5.2.1, 3.1.5.2.4: the session and the answers that steer it. A lost
// session is created anew, a 413 shrinks fragments, a server farm's host is followed, and the reply
// URL an upload-reply job needs is there (or its absence is an error).
import { BG_ERROR_CONTEXT } from '../../rules/index.js';
import { farmHostFor } from '../../server/farm.js';
import type { LedgerEntry } from '../../server/index.js';
import { scenarioFlows } from '../flow.js';
import { fail, faultNotReached, type Failure } from '../judge/failure.js';
import { completed, decisionOnFault, quietAfterFault, type ScenarioJudgement } from '../judge/scenario-kit.js';
import { decisionAfter, SUCCESS_STATES } from '../judge/timeline.js';
import { MID_UPLOAD, type Scenario } from './types.js';

const done = { class: 'success', posts: 1, finalState: 'ACKNOWLEDGED' } as const;

/** The requests that came after `e`, by position: the ledger is in arrival order. */
const requestsAfter = (j: ScenarioJudgement, e: LedgerEntry): LedgerEntry[] => j.o.ledger.slice(j.o.ledger.indexOf(e) + 1);

function judgeSessionLost(j: ScenarioJudgement): Failure[] {
  const lost = j.faulted;
  if (!lost) return [faultNotReached('PKT-SESSION-RESTART'), ...completed(j, 'PKT-SESSION-RESTART')];
  const restarted = requestsAfter(j, lost).some((e) => e.packetType === 'Create-Session' && e.response?.status === 200);
  const failures = restarted ? [] : [fail('PKT-SESSION-RESTART', 'after 500 + 0x8020001F (session not found) the client never created a new session')];
  return [...failures, ...completed(j, 'PKT-SESSION-RESTART')];
}

export const sessionLost: Scenario<'session-lost'> = {
  name: 'session-lost',
  title: 'the server forgets the session: the second fragment gets 500 + 0x8020001F',
  requirements: [{ source: '[MC-BUP] 3.1.5.2.1', quote: 'If the BITS-Error value returned as part of the response is x8020001F, the client MUST restart the upload with a CREATE-SESSION message. This is true for all the messages except CANCEL-SESSION (section 3.1.5.2.6).' }],
  status: 500, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'forget-session' } }],
  rules: ['PKT-SESSION-RESTART'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: judgeSessionLost,
};

function judgeShrink(j: ScenarioJudgement): Failure[] {
  const rejected = j.faulted;
  const next = rejected && j.o.ledger.find((e) => e.seq > rejected.seq && e.packetType === 'Fragment');
  const failures: Failure[] = [];
  if (rejected?.range && next?.range) {
    const before = rejected.range.last - rejected.range.first + 1;
    const after = next.range.last - next.range.first + 1;
    if (after >= before) failures.push(fail('PKT-SHRINK', `after 413 on a ${before}-byte fragment, the next fragment had ${after} bytes`));
  }
  return [...failures, ...completed(j, 'PKT-SHRINK')];
}

export const shrink413: Scenario<'shrink-413'> = {
  name: 'shrink-413',
  title: 'the first fragment gets 413 (too large) from the server',
  requirements: [{ source: '[MC-BUP] 3.1.5.2.4', quote: 'If the HTTP status code is 413 (request too large), the client SHOULD send fragments of smaller sizes until 413 error is not returned from the server.' }],
  status: 413, jobType: 'upload', script: [200],
  faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 413 } }],
  rules: ['PKT-SHRINK'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: judgeShrink,
};

function judgeHostId(j: ScenarioJudgement): Failure[] {
  const created = j.o.ledger.find((e) => e.packetType === 'Create-Session' && e.response?.status === 200);
  const failures: Failure[] = [];
  if (created) {
    const farm = farmHostFor(new URL(created.url).origin);
    const elsewhere = requestsAfter(j, created).filter((e) => ['Fragment', 'Close-Session', 'Cancel-Session'].includes(e.packetType) && new URL(e.url).hostname !== farm);
    if (elsewhere.length) failures.push(fail('PKT-HOST-ID', `the Create-Session Ack named host ${farm}, but ${elsewhere.length} later packet(s) of the session went to ${new URL(elsewhere[0]!.url).hostname}`));
  }
  return [...failures, ...completed(j, 'JOB-SUCCESS')];
}

export const hostId: Scenario<'host-id'> = {
  name: 'host-id',
  title: 'a server farm: the Create-Session Ack names another host in BITS-Host-Id',
  requirements: [{ source: '[MC-BUP] 2.2.3.2', quote: 'The client MUST replace the host portion of the destination URL with the value returned as part of BITS-Host-ID header field.' }],
  status: 200, jobType: 'upload', script: [200], faults: [], server: { hostId: true },
  rules: ['PKT-HOST-ID'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: judgeHostId,
};

/** No reply URL for an upload-reply job: an error of the server's (context 5), never a success. */
function judgeNoReplyUrl(j: ScenarioJudgement): Failure[] {
  const d = j.faulted && decisionAfter(j.o, j.faulted);
  if (d && SUCCESS_STATES.includes(d.state)) {
    return [fail('PKT-REPLY', `a success Ack without BITS-Reply-URL must be an error for an upload-reply job; the job claimed ${d.state}`, { claims: [d.index] })];
  }
  return [...decisionOnFault(j, 'PKT-ACK-INVALID', 'PKT-ACK-INVALID'), ...quietAfterFault(j)];
}

export const noReplyUrl: Scenario<'no-reply-url'> = {
  name: 'no-reply-url',
  title: 'an upload-reply job whose success Ack has no BITS-Reply-URL',
  requirements: [{ source: '[MC-BUP] 3.1.5.2.4', quote: 'In upload-reply mode, the server MUST send Reply-URL as part of uploading the final fragment. If the server does not send Reply-URL, the client MUST report the error to the higher-layer protocol.' }],
  status: 200, jobType: 'upload-reply', script: [200],
  faults: [{ packet: 'Fragment', final: true, action: { kind: 'no-reply-url' } }],
  rules: ['PKT-REPLY', 'PKT-ACK-INVALID'],
  expected: { class: 'fatal', decision: { state: 'ERROR', error: { context: BG_ERROR_CONTEXT.REMOTE_FILE } }, posts: 1, finalState: 'not-success' },
  flow: scenarioFlows.error,
  judge: judgeNoReplyUrl,
};

export const uploadNoReplyUrl: Scenario<'upload-no-reply-url'> = {
  name: 'upload-no-reply-url',
  title: 'a plain upload job whose success Ack has no BITS-Reply-URL, which it does not need',
  requirements: [{ source: '[MC-BUP] 2.2.7.2', quote: 'For an upload with reply, this header MUST be present if the fragment triggering the Ack is the last fragment of a request entity' }],
  status: 200, jobType: 'upload', script: [200],
  faults: [{ packet: 'Fragment', final: true, action: { kind: 'no-reply-url' } }],
  rules: ['PKT-REPLY'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: (j) => completed(j, 'PKT-REPLY'),
};

export const SESSION_SCENARIOS = [sessionLost, shrink413, hostId, noReplyUrl, uploadNoReplyUrl] as const;
