// Reading an observation: the decision a client took after a request, the posts, the calls, the
// sessions. Order comes from the ledger's seq and each state's `seen`, never from time alone (under
// virtual time everything may happen at one instant).
import type { LedgerEntry } from '../../server/index.js';
import type { JobError } from '../contract.js';
import type { CallEntry, HarnessCall, Observation } from '../observation.js';

export const IN_PROGRESS: readonly string[] = ['QUEUED', 'CONNECTING', 'TRANSFERRING'];
export const SUCCESS_STATES: readonly string[] = ['TRANSFERRED', 'ACKNOWLEDGED'];

export interface Decision {
  /** Index in the timeline. */
  index: number;
  t: number;
  state: string;
  error: JobError | null;
}

/** The first settled state the client reached after a request: its decision about that answer. */
export function decisionAfter(o: Observation, request: LedgerEntry): Decision | undefined {
  const index = o.states.findIndex((x) => x.seen >= request.seq && !IN_PROGRESS.includes(x.state));
  const s = o.states[index];
  return s ? { index, t: s.t, state: s.state, error: s.error } : undefined;
}

/** The first state in `states` reported after a request (or from the start), with its index. */
export function firstStateAfter(o: Observation, states: readonly string[], afterSeq = 0): Decision | undefined {
  const index = o.states.findIndex((x) => x.seen >= afterSeq && states.includes(x.state));
  const s = o.states[index];
  return s ? { index, t: s.t, state: s.state, error: s.error } : undefined;
}

export const postsOf = (o: Observation): LedgerEntry[] => o.ledger.filter((e) => e.notification);

export const packets = (o: Observation, type: string): LedgerEntry[] => o.ledger.filter((e) => e.packetType === type);

/** The harness's calls of one kind, in order (the first resume() starts the job). */
export const callsOf = (o: Observation, name: HarnessCall): CallEntry[] => o.calls.filter((x) => x.call === name);

/** The session a request belongs to: the id it carries (no caller asks it of a Create-Session, which carries none). */
export function sessionOf(e: LedgerEntry): string | undefined {
  const id = e.sessionId?.trim();
  // Stryker disable next-line MethodExpression: sessionOf is only compared with sessionOf, so the case it folds to changes no comparison
  return id?.toLowerCase() || undefined;
}

/** The timeline, written out for a message: `SUSPENDED -> QUEUED -> ... -> ERROR`. */
// Stryker disable next-line all: message text; no verdict reads it
export const statesText = (o: Observation): string => o.states.map((s) => s.state).join(' -> ') || 'none';
