// The BITS server's own errors ([MC-BUP] 2.2.1.2, 3.1.5.2.1): BITS-Error-Context 0x5, reported with
// context 5 (ERR-CONTEXT-SERVER), and classified by the status table (SERVER-ERROR-CLASS, an
// interpretation: MC-BUP only says they go to the higher layer).
import { BG_ERROR_CONTEXT, errorCodeFor } from '../../rules/index.js';
import { HRESULT } from '../../protocol/index.js';
import type { Fault } from '../../server/index.js';
import type { ExpectedDecision } from '../cases.js';
import { scenarioFlows } from '../flow.js';
import type { Failure } from '../judge/failure.js';
import { completed, decisionOnFault, quietAfterFault, waitedAfterFault, type ScenarioJudgement } from '../judge/scenario-kit.js';
import type { Requirement, Scenario } from './types.js';

const SERVER = BG_ERROR_CONTEXT.REMOTE_FILE;
const CONTEXT: Requirement = { source: '[MC-BUP] 2.2.1.2', quote: 'This MUST be CONTEXT_SERVER (0x5) if the error was encountered during the message processing on the server or CONTEXT_REMOTE_APPLICATION (0x7) if the error was returned from the server application.' };
const TO_HIGHER_LAYER: Requirement = { source: '[MC-BUP] 3.1.5.2.1', quote: 'The client MUST return this error to the higher-layer protocol so that the necessary steps can be taken.' };

/** Fatal: ERROR with the server's error, then quiet until the harness acts. */
const judgeFatal = (j: ScenarioJudgement): Failure[] => [...decisionOnFault(j, 'SERVER-ERROR-CLASS', 'ERR-CONTEXT-SERVER'), ...quietAfterFault(j)];
/** Transient: TRANSIENT_ERROR with the server's error, a retry after MinimumRetryDelay, and the upload done. */
const judgeTransient = (j: ScenarioJudgement): Failure[] => [
  ...decisionOnFault(j, 'SERVER-ERROR-CLASS', 'ERR-CONTEXT-SERVER'),
  ...waitedAfterFault(j, 'JOB-TRANSIENT'),
  ...completed(j, 'JOB-TRANSIENT'),
];

function serverError<N extends 'server-denied-403' | 'uploads-disabled-501' | 'bad-request-400' | 'server-busy-503' | 'fragment-500'>(
  name: N, title: string, fault: Fault, requirement: Requirement, decision: ExpectedDecision,
): Scenario<N> {
  const fatal = decision.state === 'ERROR';
  const action = fault.action as { status: number };
  return {
    name, title, requirements: [requirement, CONTEXT], status: action.status, jobType: 'upload', script: [200], faults: [fault],
    rules: ['ERR-CONTEXT-SERVER', 'SERVER-ERROR-CLASS', ...(fatal ? [] : ['JOB-TRANSIENT' as const])],
    expected: { class: fatal ? 'fatal' : 'transient', decision, posts: fatal ? 0 : 1, finalState: fatal ? 'ERROR' : 'ACKNOWLEDGED' },
    flow: fatal ? scenarioFlows.error : scenarioFlows.complete,
    judge: fatal ? judgeFatal : judgeTransient,
  };
}

const fatalWith = (code: number): ExpectedDecision => ({ state: 'ERROR', error: { context: SERVER, code } });
const transientWith = (status: number): ExpectedDecision => ({ state: 'TRANSIENT_ERROR', error: { context: SERVER, code: errorCodeFor(status) } });

export const serverDenied403 = serverError(
  'server-denied-403', 'the server refuses Create-Session: 403 + 0x80070005 (access denied), context 0x5',
  { packet: 'Create-Session', action: { kind: 'server-error', status: 403, code: HRESULT.E_ACCESSDENIED } },
  { source: '[MC-BUP] 3.2.5.2.3', quote: 'If not, the server MUST send a 403 HTTP status code with BITS-Error 0x80070005, BITS-Error-Context 0x5.' },
  fatalWith(HRESULT.E_ACCESSDENIED),
);

export const uploadsDisabled501 = serverError(
  'uploads-disabled-501', 'uploads are disabled: Create-Session gets 501 + 0x80070005, context 0x5',
  { packet: 'Create-Session', action: { kind: 'server-error', status: 501, code: HRESULT.E_ACCESSDENIED } },
  { source: '[MC-BUP] 3.1.5.2.1', quote: 'If the HTTP status code is 501 and the BITS-Error value returned as part of the response is x80070005, uploads are not enabled for the virtual directory, where the destination URL MUST be present.' },
  fatalWith(HRESULT.E_ACCESSDENIED),
);

export const badRequest400 = serverError(
  'bad-request-400', 'the first fragment gets 400 + 0x80070057 (bad request), context 0x5',
  { packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 400, code: HRESULT.E_INVALIDARG } },
  { source: '[MC-BUP] 3.2.5.2.3', quote: 'If the request message fails to satisfy the requirements, the server MUST send a 400 HTTP status code with BITS-Error 0x80070057, BITS-Error-Context 0x5.' },
  fatalWith(HRESULT.E_INVALIDARG),
);

export const serverBusy503 = serverError(
  'server-busy-503', 'the first Create-Session gets 503 from the server itself, context 0x5, no code',
  { packet: 'Create-Session', nth: 1, action: { kind: 'server-error', status: 503 } },
  TO_HIGHER_LAYER,
  transientWith(503),
);

export const fragment500 = serverError(
  'fragment-500', 'the first fragment gets 500 from the server itself, context 0x5, no code: not session-not-found, so the session stays',
  { packet: 'Fragment', nth: 1, action: { kind: 'server-error', status: 500 } },
  TO_HIGHER_LAYER,
  transientWith(500),
);

export const SERVER_ERROR_SCENARIOS = [serverDenied403, uploadsDisabled501, badRequest400, serverBusy503, fragment500] as const;
