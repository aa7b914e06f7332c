// [MC-BUP] 2.2.7.2, 3.1.5.1.4, 3.1.5.2.4, 3.2.5.2.6: where the next fragment starts. The server names it
// in BITS-Received-Content-Range, after a 416, after an Ack behind what was sent, and never usefully
// in an Ack without a range, past the end, or stuck at one offset.
import { BG_ERROR_CONTEXT } from '../../rules/index.js';
import { scenarioFlows } from '../flow.js';
import { fmtMs } from '../format.js';
import { fail, type Failure } from '../judge/failure.js';
import { completed, decisionOnFault, quietAfterFault, type ScenarioJudgement } from '../judge/scenario-kit.js';
import { firstStateAfter, packets, statesText, SUCCESS_STATES } from '../judge/timeline.js';
import { MID_UPLOAD, type Scenario } from './types.js';

const SERVER = BG_ERROR_CONTEXT.REMOTE_FILE;
const done = { class: 'success', posts: 1, finalState: 'ACKNOWLEDGED' } as const;
const unusableAck = { class: 'fatal', decision: { state: 'ERROR', error: { context: SERVER } }, posts: 0, finalState: 'ERROR' } as const;

/** An Ack the client cannot use: ERROR with context 5, then quiet. */
const judgeUnusable = (rule: 'PKT-ACK-INVALID' | 'ACK-416-NO-RANGE') => (j: ScenarioJudgement): Failure[] => [...decisionOnFault(j, rule, rule), ...quietAfterFault(j)];

export const gap416: Scenario<'gap-416'> = {
  name: 'gap-416',
  title: 'the server lost the tail of its data and answers the second fragment with 416 and a smaller offset',
  requirements: [{ source: '[MC-BUP] 3.2.5.2.6', quote: 'the server MUST return a response as described in section 2.2.7 with HTTP status code 416 and with BITS-Received-Content-Range as the start offset that the client MUST send as part of the next fragment request.' }],
  status: 416, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'gap' } }],
  rules: ['PKT-RESUME-OFFSET', 'PKT-RANGE'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: (j) => completed(j, 'PKT-RESUME-OFFSET'),
};

export const gap416NoRange: Scenario<'gap-416-no-range'> = {
  name: 'gap-416-no-range',
  title: 'the server answers the second fragment with 416 and no BITS-Received-Content-Range',
  requirements: [{ source: '[MC-BUP] 3.1.5.2.4', quote: 'If the HTTP status code is 200 or 416, the client MUST perform necessary checks on the value received through BITS-Received-Content-Range and update the fragment offset as shown in the state logic in section 3.1.5.1.4.' }],
  status: 416, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'gap', received: 'none' } }],
  rules: ['ACK-416-NO-RANGE'],
  expected: unusableAck,
  flow: scenarioFlows.error,
  judge: judgeUnusable('ACK-416-NO-RANGE'),
};

export const ackBehind: Scenario<'ack-behind'> = {
  name: 'ack-behind',
  title: 'the Ack of the first fragment reports less than was sent (the final fragment too, for a client that sends the file in one)',
  requirements: [
    { source: '[MC-BUP] 2.2.7.2', quote: 'BITS-Received-Content-Range: This refers to the start offset of the next fragment message that the client MUST send.' },
    { source: '[MC-BUP] 3.1.5.1.4', quote: 'If (value of BITS-Received-Content-Range header is not equal to FRAGMENT-START-OFFSET+ FRAGMENT-LENGTH) Set FRAGMENT-START-OFFSET to value of BITS-Received-Content-Range header field.' },
  ],
  status: 200, jobType: 'upload', script: [200],
  faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'behind' } }],
  rules: ['PKT-RESUME-OFFSET', 'ACK-RANGE-ALWAYS', 'NO-FALSE-SUCCESS'],
  expected: done,
  flow: scenarioFlows.complete,
  judge: (j) => completed(j, 'PKT-RESUME-OFFSET'),
};

export const ackNoRange: Scenario<'ack-no-range'> = {
  name: 'ack-no-range',
  title: 'the Ack of the first fragment has no BITS-Received-Content-Range',
  requirements: [{ source: '[MC-BUP] 2.2.7.2', quote: 'For example, if the fragment contained the range 128–212, this value MUST be set to 213. This field MUST be included.' }],
  status: 200, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'bad-ack', received: 'none' } }],
  rules: ['PKT-ACK-INVALID'],
  expected: unusableAck,
  flow: scenarioFlows.error,
  judge: judgeUnusable('PKT-ACK-INVALID'),
};

export const ackPastEnd: Scenario<'ack-past-end'> = {
  name: 'ack-past-end',
  title: 'the Ack of the first fragment names an offset 1,000 bytes past the end of the file',
  requirements: [{ source: '[MC-BUP] 3.1.5.2.4', quote: 'The client MUST verify that the message satisfies the requirements in sections 2.2.1 and 2.2.7, discarding the message if not.' }],
  status: 200, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'bad-ack', received: 'past-end' } }],
  rules: ['PKT-ACK-INVALID'],
  expected: unusableAck,
  flow: scenarioFlows.error,
  judge: judgeUnusable('PKT-ACK-INVALID'),
};

/** ACK-NO-PROGRESS: the job gives up by NoProgressTimeout, counted from its first error, and is quiet after. */
function judgeStalled(j: ScenarioJudgement): Failure[] {
  const first = packets(j.o, 'Fragment')[0];
  if (!first) return [fail('ACK-NO-PROGRESS', 'the client never sent a fragment')];
  const gaveUp = firstStateAfter(j.o, ['ERROR'], first.seq);
  if (!gaveUp) {
    const never = fail('ACK-NO-PROGRESS', `the upload made no progress, and the job never moved to ERROR (${packets(j.o, 'Fragment').length} fragments sent; states: ${statesText(j.o)})`);
    // A job that claimed success instead has NO-FALSE-SUCCESS against it: that says it all.
    return [firstStateAfter(j.o, SUCCESS_STATES, first.seq) ? { ...never, consequence: true } : never];
  }
  // The no-progress window opens with the job's first error: when a stall becomes one is the client's call.
  const firstError = firstStateAfter(j.o, ['TRANSIENT_ERROR', 'ERROR'], first.seq)!;
  const failures: Failure[] = [];
  const after = gaveUp.t - firstError.t;
  if (after > j.npt + j.delay + j.tol + j.slack) failures.push(fail('ACK-NO-PROGRESS', `the job moved to ERROR only ${fmtMs(after)} after its first error, with no progress since; NoProgressTimeout is ${fmtMs(j.npt)}`));
  // By time alone: a request the server had seen when ERROR was seen came no later than it (one clock).
  const late = j.o.ledger.filter((e) => e.t > gaveUp.t + j.tol);
  if (late.length) failures.push(fail('JOB-FATAL', `${late.length} request(s) after the job moved to ERROR`, { unwanted: late.map((e) => e.seq) }));
  return failures;
}

export const stalledServer: Scenario<'stalled-server'> = {
  name: 'stalled-server',
  title: 'the server keeps nothing of any non-final fragment: every Ack names the offset it had before, so the upload never progresses',
  requirements: [{ source: 'win32: IBackgroundCopyJob::SetNoProgressTimeout (silent on a server that acknowledges without progress)', quote: 'If BITS does not make progress during the retry period, it moves the state of the job from BG_JOB_STATE_TRANSIENT_ERROR to BG_JOB_STATE_ERROR.' }],
  status: 200, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', action: { kind: 'stall' } }],
  timing: { nptInDelays: 2.5 },
  rules: ['ACK-NO-PROGRESS'],
  expected: { class: 'transient', posts: 0, finalState: 'ERROR' },
  flow: scenarioFlows.giveUp,
  judge: judgeStalled,
};

export const OFFSET_SCENARIOS = [gap416, gap416NoRange, ackBehind, ackNoRange, ackPastEnd, stalledServer] as const;
