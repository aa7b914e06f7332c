// Protocol and timing scenarios (MC-BUP and job-timing rules): each is a scripted server fault or a
// timing setting, the flow the harness drives, and what the rules expect. Plain data.
import { APPLICATION_ERROR_CONTEXT, BG_ERROR_CONTEXT, errorCodeFor, type StatusClass } from '../rules/index.js';
import { HRESULT } from '../protocol/index.js';
import type { Fault } from '../server/index.js';
import type { JobType } from './contract.js';

/** What the harness does after resume(): see run-case.ts. */
export type ScenarioFlow =
  /** Run to a settled outcome; complete() a TRANSFERRED job; watch a while longer for re-sent packets. */
  | 'complete'
  /** Run to the first error; then watch a quiet window. */
  | 'error'
  /** Run to the first error (a transient one mid-upload), then cancel() and watch for re-sent Cancel-Session. */
  | 'cancel'
  /** Run until the job gives up (ERROR); then watch a quiet window. */
  | 'give-up'
  /** Run to the first error (a transient one), resume() at once, then run to a settled outcome and complete(). */
  | 'resume';

export interface ScenarioTimingRule {
  /** NoProgressTimeout as a multiple of MinimumRetryDelay (default: the profile's). */
  nptInDelays?: number;
  /**
   * MinimumRetryDelay as a multiple of the profile's (default 1): room on the wall clock for the harness
   * to see a state and act on it well before the client's own retry would come.
   */
  delayTimes?: number;
}

export interface Scenario {
  name: string;
  /** What happens, in a sentence, for the report. */
  title: string;
  /** The status the scenario turns on (the fault's, or the application's). */
  status: number;
  jobType: JobType;
  /** The application's answers to successive posts. */
  script: number[];
  faults: Fault[];
  /** The server plays a farm: its Create-Session Ack names another host (BITS-Host-Id). */
  hostId?: boolean;
  flow: ScenarioFlow;
  timing?: ScenarioTimingRule;
  /** The decision the rules expect at the scenario's key moment (after the fault, or after the final Ack). */
  expected: {
    class: StatusClass;
    state: 'ACKNOWLEDGED' | 'TRANSIENT_ERROR' | 'ERROR';
    error: { context: number; code: number } | null;
    /** When the rules name the context but not the code: the error must have this context, with any code. */
    errorContext?: number;
    finalState: string;
    posts: number;
  };
  /** The rules the scenario is about, most specific first (the wire rules are checked on every case). */
  rules: string[];
  /**
   * The fault hits the middle of an upload, so the client must send the file in two fragments or more
   * (the payload is 10,000 bytes). A client that sends it in one cannot be checked: the case is unsupported.
   */
  needsFragments?: 2;
}

const SERVER = BG_ERROR_CONTEXT.REMOTE_FILE;
const done = { class: 'success', state: 'ACKNOWLEDGED', error: null, finalState: 'ACKNOWLEDGED', posts: 1 } as const;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'gap-416', needsFragments: 2, title: 'the server lost the tail of its data and answers the second fragment with 416 and a smaller offset',
    status: 416, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'gap' } }],
    expected: done, rules: ['PKT-RESUME-OFFSET', 'PKT-RANGE'],
  },
  {
    name: 'ack-behind', title: 'the Ack of the first fragment reports less than was sent',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'behind' } }],
    expected: done, rules: ['PKT-RESUME-OFFSET', 'PKT-RANGE'],
  },
  {
    name: 'dropped-mid-upload', needsFragments: 2, title: 'the connection drops on the second fragment, with no answer',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'drop' } }],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: null, finalState: 'ACKNOWLEDGED', posts: 1 }, rules: ['TRANSPORT-FAULT', 'PKT-RESUME-OFFSET'],
  },
  {
    name: 'transport-fault-final', title: 'the connection resets on the final fragment before any status: no application involved',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', final: true, nth: 1, action: { kind: 'drop' } }],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: null, finalState: 'ACKNOWLEDGED', posts: 1 }, rules: ['TRANSPORT-FAULT'],
  },
  {
    name: 'session-lost', needsFragments: 2, title: 'the server forgets the session: the second fragment gets 500 + 0x8020001F',
    status: 500, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'forget-session' } }],
    expected: done, rules: ['PKT-SESSION-RESTART'],
  },
  {
    name: 'shrink-413', needsFragments: 2, title: 'the first fragment gets 413 (too large) from the server',
    status: 413, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 413 } }],
    expected: done, rules: ['PKT-SHRINK'],
  },
  {
    name: 'close-503', title: 'Close-Session fails once with 503',
    status: 503, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 503 } }],
    expected: { ...done, state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(503) } }, rules: ['PKT-CLOSE-RETRY', 'ERR-CONTEXT-SERVER'],
  },
  {
    name: 'close-500', title: 'Close-Session fails once with 500 and no error code (the first status it is re-sent on)',
    status: 500, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 500 } }],
    expected: { ...done, state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(500) } }, rules: ['PKT-CLOSE-RETRY', 'ERR-CONTEXT-SERVER'],
  },
  {
    name: 'close-599', title: 'Close-Session fails once with 599 (the last status it is re-sent on)',
    status: 599, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 599 } }],
    expected: { ...done, state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(599) } }, rules: ['PKT-CLOSE-RETRY', 'ERR-CONTEXT-SERVER'],
  },
  {
    name: 'close-dropped', title: 'the connection drops on Close-Session, with no answer',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'drop' } }],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: null, finalState: 'ACKNOWLEDGED', posts: 1 }, rules: ['TRANSPORT-FAULT'],
  },
  {
    name: 'close-404', title: 'Close-Session fails with 404',
    status: 404, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 404 } }],
    expected: { ...done, finalState: 'any' }, rules: ['PKT-CLOSE-RETRY'],
  },
  {
    name: 'close-session-not-found', title: 'Close-Session fails with 500 + 0x8020001F (session not found)',
    status: 500, jobType: 'upload', script: [200], flow: 'complete',
    faults: [{ packet: 'Close-Session', nth: 1, action: { kind: 'server-error', status: 500, code: HRESULT.BG_E_SESSION_NOT_FOUND } }],
    expected: { ...done, finalState: 'any' }, rules: ['PKT-CLOSE-RETRY'],
  },
  {
    name: 'cancel-503', title: 'the first fragment gets 503, the job is cancelled while it waits, and Cancel-Session fails once with 503',
    status: 503, jobType: 'upload', script: [200], flow: 'cancel',
    faults: [
      { packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 503 } },
      { packet: 'Cancel-Session', nth: 1, action: { kind: 'server-error', status: 503 } },
    ],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(503) }, finalState: 'CANCELLED', posts: 0 }, rules: ['PKT-CLOSE-RETRY', 'ERR-CONTEXT-SERVER'],
  },
  {
    name: 'cancel-404', title: 'the first fragment gets 503, the job is cancelled while it waits, and Cancel-Session fails with 404',
    status: 404, jobType: 'upload', script: [200], flow: 'cancel',
    faults: [
      { packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 503 } },
      { packet: 'Cancel-Session', nth: 1, action: { kind: 'server-error', status: 404 } },
    ],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(503) }, finalState: 'CANCELLED', posts: 0 }, rules: ['PKT-CLOSE-RETRY'],
  },
  {
    name: 'server-denied-403', title: 'the server refuses Create-Session: 403 + 0x80070005 (access denied), context 0x5',
    status: 403, jobType: 'upload', script: [200], flow: 'error', faults: [{ packet: 'Create-Session', action: { kind: 'server-error', status: 403, code: HRESULT.E_ACCESSDENIED } }],
    expected: { class: 'fatal', state: 'ERROR', error: { context: SERVER, code: HRESULT.E_ACCESSDENIED }, finalState: 'ERROR', posts: 0 }, rules: ['ERR-CONTEXT-SERVER'],
  },
  {
    name: 'uploads-disabled-501', title: 'uploads are disabled: Create-Session gets 501 + 0x80070005, context 0x5',
    status: 501, jobType: 'upload', script: [200], flow: 'error', faults: [{ packet: 'Create-Session', action: { kind: 'server-error', status: 501, code: HRESULT.E_ACCESSDENIED } }],
    expected: { class: 'fatal', state: 'ERROR', error: { context: SERVER, code: HRESULT.E_ACCESSDENIED }, finalState: 'ERROR', posts: 0 }, rules: ['ERR-CONTEXT-SERVER'],
  },
  {
    name: 'bad-request-400', title: 'the first fragment gets 400 + 0x80070057 (bad request), context 0x5',
    status: 400, jobType: 'upload', script: [200], flow: 'error', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 400, code: HRESULT.E_INVALIDARG } }],
    expected: { class: 'fatal', state: 'ERROR', error: { context: SERVER, code: HRESULT.E_INVALIDARG }, finalState: 'ERROR', posts: 0 }, rules: ['ERR-CONTEXT-SERVER'],
  },
  {
    name: 'server-busy-503', title: 'the first Create-Session gets 503 from the server itself, context 0x5, no code',
    status: 503, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Create-Session', nth: 1, action: { kind: 'server-error', status: 503 } }],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(503) }, finalState: 'ACKNOWLEDGED', posts: 1 }, rules: ['ERR-CONTEXT-SERVER'],
  },
  {
    name: 'fragment-500', title: 'the first fragment gets 500 from the server itself, context 0x5, no code: not session-not-found, so the session stays',
    status: 500, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 500 } }],
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(500) }, finalState: 'ACKNOWLEDGED', posts: 1 }, rules: ['ERR-CONTEXT-SERVER'],
  },
  {
    name: 'no-reply-url', title: 'an upload-reply job whose success Ack has no BITS-Reply-URL',
    status: 200, jobType: 'upload-reply', script: [200], flow: 'error', faults: [{ packet: 'Fragment', final: true, action: { kind: 'no-reply-url' } }],
    expected: { class: 'fatal', state: 'ERROR', error: null, errorContext: SERVER, finalState: 'not TRANSFERRED', posts: 1 }, rules: ['PKT-REPLY', 'PKT-ACK-INVALID'],
  },
  {
    name: 'upload-no-reply-url', title: 'a plain upload job whose success Ack has no BITS-Reply-URL, which it does not need',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [{ packet: 'Fragment', final: true, action: { kind: 'no-reply-url' } }],
    expected: done, rules: ['PKT-REPLY'],
  },
  {
    name: 'ack-no-range', needsFragments: 2, title: 'the Ack of the first fragment has no BITS-Received-Content-Range',
    status: 200, jobType: 'upload', script: [200], flow: 'error', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'bad-ack', received: 'none' } }],
    expected: { class: 'fatal', state: 'ERROR', error: null, errorContext: SERVER, finalState: 'ERROR', posts: 0 }, rules: ['PKT-ACK-INVALID'],
  },
  {
    name: 'ack-past-end', needsFragments: 2, title: 'the Ack of the first fragment names an offset 1,000 bytes past the end of the file',
    status: 200, jobType: 'upload', script: [200], flow: 'error', faults: [{ packet: 'Fragment', nth: 1, action: { kind: 'bad-ack', received: 'past-end' } }],
    expected: { class: 'fatal', state: 'ERROR', error: null, errorContext: SERVER, finalState: 'ERROR', posts: 0 }, rules: ['PKT-ACK-INVALID'],
  },
  {
    name: 'stalled-server', needsFragments: 2, title: 'the server keeps nothing of any non-final fragment: every Ack names the offset it had before, so the upload never progresses',
    status: 200, jobType: 'upload', script: [200], flow: 'give-up', faults: [{ packet: 'Fragment', action: { kind: 'stall' } }], timing: { nptInDelays: 2.5 },
    expected: { class: 'transient', state: 'ERROR', error: null, finalState: 'ERROR', posts: 0 }, rules: ['JOB-NPT'],
  },
  {
    name: 'host-id', title: 'a server farm: the Create-Session Ack names another host in BITS-Host-Id',
    status: 200, jobType: 'upload', script: [200], flow: 'complete', faults: [], hostId: true,
    expected: done, rules: ['PKT-HOST-ID'],
  },
  {
    name: 'resume-transient', title: 'the application answers 503 once, and the job is resumed while it waits in TRANSIENT_ERROR',
    status: 503, jobType: 'upload', script: [503, 200], flow: 'resume', faults: [], timing: { delayTimes: 5, nptInDelays: 4 },
    expected: { class: 'transient', state: 'TRANSIENT_ERROR', error: { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(503) }, finalState: 'ACKNOWLEDGED', posts: 2 }, rules: ['JOB-RESUME'],
  },
  {
    name: 'npt-zero', title: 'NoProgressTimeout 0, and the application answers 503 once',
    status: 503, jobType: 'upload', script: [503, 200], flow: 'error', faults: [], timing: { nptInDelays: 0 },
    expected: { class: 'fatal', state: 'ERROR', error: { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(503) }, finalState: 'ERROR', posts: 1 }, rules: ['TIMING-NPT-ZERO'],
  },
  {
    name: 'delay-over-npt', title: 'MinimumRetryDelay twice NoProgressTimeout, and the application answers 503 once',
    status: 503, jobType: 'upload', script: [503, 200], flow: 'give-up', faults: [], timing: { nptInDelays: 0.5 },
    expected: { class: 'fatal', state: 'ERROR', error: { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(503) }, finalState: 'ERROR', posts: 1 }, rules: ['TIMING-DELAY-OVER-NPT'],
  },
  {
    name: 'progress-resets', needsFragments: 2, title: 'a 503 on the second fragment, progress on its retry, then the application fails every time',
    status: 503, jobType: 'upload', script: [503], flow: 'give-up', faults: [{ packet: 'Fragment', nth: 2, action: { kind: 'server-error', status: 503 } }], timing: { nptInDelays: 2.5 },
    expected: { class: 'transient', state: 'ERROR', error: { context: APPLICATION_ERROR_CONTEXT, code: errorCodeFor(503) }, finalState: 'ERROR', posts: 2 }, rules: ['TIMING-PROGRESS-RESETS', 'JOB-NPT'],
  },
];

export function scenarioByName(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown scenario ${name}`);
  return found;
}
