// Hand-built observations for the unit tests of the judge and of the scenario modules' judges: the
// ledger's requests, the states and calls the harness records, and the cases they are judged against.
// Each builder fills in what a test is not about; `more` overrides any of it, so a test states only
// what its check reads.
import type { LedgerEntry } from '../../server/index.js';
import { allCases, type ConformanceCase } from '../cases.js';
import type { CallEntry, Checkpoint, Observation, StateEntry } from '../observation.js';
import { scenarioByName } from '../scenarios/index.js';
import type { Failure, NotJudged } from './failure.js';
import { scenarioJudgement } from './scenario-kit.js';

export const ORIGIN = 'http://bits.test';
const UPLOAD_URL = `${ORIGIN}/upload`;

// --- cases

let cases: Map<string, ConformanceCase> | undefined;

/** The case with this id (every case of the suite, virtual timing); throws on an unknown id, so a typo fails loudly. */
export function caseOf(id: string): ConformanceCase {
  cases ??= new Map(allCases().map((c) => [c.id, c]));
  const c = cases.get(id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
}

/** The case of the scenario with this name (`scenario/<name>`). */
export const scenarioCase = (name: string): ConformanceCase => caseOf(`scenario/${name}`);

// --- observations

/** An observation of nothing: no state, no call, no request; the payload's hash is 'abc'. */
export const observation = (more: Partial<Observation> = {}): Observation => ({ states: [], checkpoints: {}, calls: [], ledger: [], payloadSha256: 'abc', ...more });

/** A valid state at time 0, reported after `seen` requests. */
export const state = (name: string, seen: number, error: StateEntry['error'] = null, more: Partial<StateEntry> = {}): StateEntry => ({ t: 0, state: name, valid: true, error, seen, ...more });

/** The same state at time `t`: for the tests whose timelines are about time. */
export const stateAt = (name: string, seen: number, t = 0, error: StateEntry['error'] = null): StateEntry => state(name, seen, error, { t });

/** A checkpoint at time 0 with no error. */
export const checkpoint = (name: string): Checkpoint => ({ t: 0, state: name, error: null });

/** A harness call at time 0, made after `seen` requests while the job was TRANSFERRING with one session open. */
export const call = (name: CallEntry['call'], seen: number, more: Partial<CallEntry> = {}): CallEntry => ({ t: 0, call: name, seen, state: 'TRANSFERRING', openSessions: 1, ...more });

// --- the ledger

/** A BITS_POST to the upload URL at time 0 with no body, no session and no answer: the least a ledger entry holds. */
export const ledgerEntry = (seq: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry => ({
  seq, t: 0, method: 'BITS_POST', url: UPLOAD_URL, packetType, bodyLength: 0, notifications: 0, ...more,
});

/** A request of session {S1}, answered 200: what most ledgers are made of. */
export const request = (seq: number, packetType: LedgerEntry['packetType'], more: Partial<LedgerEntry> = {}): LedgerEntry =>
  ledgerEntry(seq, packetType, { sessionId: '{S1}', response: { status: 200 }, ...more });

/** The same request arriving at time `t`: for the tests whose ledgers are about time. */
export const requestAt = (seq: number, packetType: LedgerEntry['packetType'], t = 0, more: Partial<LedgerEntry> = {}): LedgerEntry => request(seq, packetType, { t, ...more });

/** A final Fragment at time `t` that the server posted to the application (`count` posts so far), which answered `status`. */
export const posted = (seq: number, t: number, status: number, count = 1): LedgerEntry =>
  request(seq, 'Fragment', { t, notifications: count, notification: { count, status, fileSha256: 'abc' } });

// --- failures

/** The rule of each failure, in order. */
export const rulesOf = (failures: readonly Pick<Failure, 'rule'>[]): string[] => failures.map((f) => f.rule);

// --- scenarios

/** A scenario's own judge on an observation (its case by default): its failures, and the checks it did not judge. */
export function judgeScenario(name: string, o: Observation, c: ConformanceCase = scenarioCase(name)): { failures: Failure[]; notJudged: NotJudged[] } {
  const notJudged: NotJudged[] = [];
  const s = scenarioByName(name);
  return { failures: s.judge(scenarioJudgement(c, o, s.title, notJudged)), notJudged };
}
