// Every scenario, by name. The record's type makes a scenario without a module (or a module without its
// name) a compile error; the list keeps the order the suites and the report use.
import { CLOSE_CANCEL_SCENARIOS, cancel404, cancel503, close404, close500, close503, close599, closeSessionNotFound } from './close-cancel.js';
import { OFFSET_SCENARIOS, ackBehind, ackNoRange, ackPastEnd, gap416, gap416NoRange, stalledServer } from './offsets.js';
import { SERVER_ERROR_SCENARIOS, badRequest400, fragment500, serverBusy503, serverDenied403, uploadsDisabled501 } from './server-errors.js';
import { SESSION_SCENARIOS, hostId, noReplyUrl, sessionLost, shrink413, uploadNoReplyUrl } from './sessions.js';
import { TIMING_SCENARIOS, delayOverNpt, nptZero, progressResets, resumeTransient } from './timing.js';
import { TRANSPORT_SCENARIOS, closeDropped, droppedMidUpload, transportFaultFinal } from './transport.js';
import type { Scenario, ScenarioName, ScenarioRecord } from './types.js';

export type { Requirement, Scenario, ScenarioName, ScenarioRecord, ScenarioTimingRule } from './types.js';

export const SCENARIOS: ScenarioRecord = {
  'gap-416': gap416, 'gap-416-no-range': gap416NoRange, 'ack-behind': ackBehind, 'ack-no-range': ackNoRange, 'ack-past-end': ackPastEnd, 'stalled-server': stalledServer,
  'session-lost': sessionLost, 'shrink-413': shrink413, 'host-id': hostId, 'no-reply-url': noReplyUrl, 'upload-no-reply-url': uploadNoReplyUrl,
  'dropped-mid-upload': droppedMidUpload, 'transport-fault-final': transportFaultFinal, 'close-dropped': closeDropped,
  'close-500': close500, 'close-503': close503, 'close-599': close599, 'close-404': close404, 'close-session-not-found': closeSessionNotFound, 'cancel-503': cancel503, 'cancel-404': cancel404,
  'server-denied-403': serverDenied403, 'uploads-disabled-501': uploadsDisabled501, 'bad-request-400': badRequest400, 'server-busy-503': serverBusy503, 'fragment-500': fragment500,
  'resume-transient': resumeTransient, 'npt-zero': nptZero, 'delay-over-npt': delayOverNpt, 'progress-resets': progressResets,
};

/** The protocol scenarios (suites/protocol.suite.ts) and the timing ones (suites/timing.suite.ts). */
export const PROTOCOL_SCENARIOS: readonly Scenario[] = [...OFFSET_SCENARIOS, ...SESSION_SCENARIOS, ...TRANSPORT_SCENARIOS, ...CLOSE_CANCEL_SCENARIOS, ...SERVER_ERROR_SCENARIOS];
export { TIMING_SCENARIOS };
export const SCENARIO_LIST: readonly Scenario[] = [...PROTOCOL_SCENARIOS, ...TIMING_SCENARIOS];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}

export function scenarioByName(name: string): Scenario {
  if (!isScenarioName(name)) throw new Error(`unknown scenario ${name}`);
  return SCENARIOS[name] as Scenario;
}
