// A connection that breaks with no answer at all, mid-upload, on the final fragment, or on Close-Session.
// The sources only say the error goes to the higher layer ([MC-BUP] 3.1.7.1) and that the client retries
// later (win32: Preventing multiple uploads); TRANSPORT-FAULT (an interpretation) fixes the rest.
import { BG_ERROR_CONTEXT } from '../../rules/index.js';
import { scenarioFlows } from '../flow.js';
import { fail, faultNotReached, type Failure } from '../judge/failure.js';
import { closesOnComplete, completed, decisionOnFault, waitedAfterFault, type ScenarioJudgement } from '../judge/scenario-kit.js';
import { MID_UPLOAD, type Requirement, type Scenario } from './types.js';

const REQUIREMENTS: readonly Requirement[] = [
  { source: '[MC-BUP] 3.1.7.1', quote: 'The client sends ERROR_TRANSPORT to the higher-layer protocol.' },
  { source: 'win32: Preventing multiple uploads', quote: 'If the connection between the BITS client and server is broken while BITS is uploading a file, the client will use the session ID to try to resume the upload.' },
];

const dropped = {
  class: 'transient',
  decision: { state: 'TRANSIENT_ERROR', error: { context: BG_ERROR_CONTEXT.GENERAL_TRANSPORT } },
  posts: 1,
  finalState: 'ACKNOWLEDGED',
} as const;

/** Transient with the transport context, a retry after MinimumRetryDelay, one post, and the upload completed. */
function judgeDrop(j: ScenarioJudgement): Failure[] {
  if (!j.faulted) return [faultNotReached('TRANSPORT-FAULT')];
  const failures = j.faulted.packetType === 'Close-Session' && closesOnComplete(j) ? [] : decisionOnFault(j, 'TRANSPORT-FAULT', 'TRANSPORT-FAULT');
  failures.push(...waitedAfterFault(j, 'TRANSPORT-FAULT'));
  if (j.posts.length !== j.c.expected.posts.min) failures.push(fail('TRANSPORT-FAULT', `the application should see the file ${j.c.expected.posts.min} time(s); it saw it ${j.posts.length} times`));
  return [...failures, ...completed(j, 'TRANSPORT-FAULT')];
}

export const droppedMidUpload: Scenario<'dropped-mid-upload'> = {
  name: 'dropped-mid-upload',
  title: 'the connection drops on the second fragment, with no answer',
  requirements: REQUIREMENTS,
  status: 200, jobType: 'upload', script: [200], server: MID_UPLOAD,
  faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'drop' } }],
  rules: ['TRANSPORT-FAULT', 'PKT-RESUME-OFFSET'],
  expected: dropped,
  flow: scenarioFlows.complete,
  judge: judgeDrop,
};

export const transportFaultFinal: Scenario<'transport-fault-final'> = {
  name: 'transport-fault-final',
  title: 'the connection resets on the final fragment before any status: no application involved',
  requirements: REQUIREMENTS,
  status: 200, jobType: 'upload', script: [200],
  faults: [{ packet: 'Fragment', final: true, nth: 1, action: { kind: 'drop' } }],
  rules: ['TRANSPORT-FAULT'],
  expected: dropped,
  flow: scenarioFlows.complete,
  judge: judgeDrop,
};

export const closeDropped: Scenario<'close-dropped'> = {
  name: 'close-dropped',
  title: 'the connection drops on Close-Session, with no answer',
  requirements: [...REQUIREMENTS, { source: '[MC-BUP] 1.3.2', quote: 'After the server sends a success Ack response to the final FRAGMENT message, the client sends a CLOSE-SESSION (section 2.2.8) message' }],
  status: 200, jobType: 'upload', script: [200],
  faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'drop' } }],
  rules: ['TRANSPORT-FAULT'],
  expected: dropped,
  flow: scenarioFlows.complete,
  judge: judgeDrop,
};

export const TRANSPORT_SCENARIOS = [droppedMidUpload, transportFaultFinal, closeDropped] as const;
