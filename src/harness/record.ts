// One judged case as plain data: what a suite puts on task.meta and the report reads. The expectation
// travels as the case built it, structured: nothing downstream re-derives it or parses it from text.
import type { RuleId } from '../rules/index.js';
import type { LedgerEntry } from '../server/index.js';
import type { CaseExpectation, ConformanceCase, Timing } from './cases.js';
import type { CaseVerdict, Failure, Judgement, NotJudged, ObservedSummary } from './judge/index.js';
import type { Observation } from './observation.js';

export interface CaseRecord {
  id: string;
  kind: ConformanceCase['kind'];
  status: number;
  statusName?: string;
  relay: ConformanceCase['relay'];
  jobType: ConformanceCase['jobType'];
  rules: RuleId[];
  timing: Timing;
  /** The protocol or timing scenario of a scenario case. */
  scenario?: string;
  verdict: CaseVerdict;
  failures: Failure[];
  notJudged: NotJudged[];
  reason?: string;
  expected: CaseExpectation;
  observed?: ObservedSummary;
  states: Observation['states'];
  calls: Observation['calls'];
  transcript: LedgerEntry[];
  /**
   * Requests left out of `transcript` (keptTranscript): the judge saw them, the report does not keep them.
   * A passing case keeps none of its requests; any other keeps the first and the last of a long run.
   */
  requestsLeftOut?: number;
  /** What the transport did in the client's stead (Node's fetch's own steps, in-process), kept for cases that did not pass. */
  transportNotes?: string[];
  /** The last of what a client process wrote on stderr, kept for cases that did not pass. */
  clientStderr?: string;
  /** Set when the case saw the client process die: the whole run is then an error. */
  runError?: string;
}

function caseFields(c: ConformanceCase) {
  return {
    id: c.id,
    kind: c.kind,
    status: c.status,
    ...(c.statusName ? { statusName: c.statusName } : {}),
    relay: c.relay,
    jobType: c.jobType,
    rules: c.rules,
    timing: c.timing,
    ...(c.scenario ? { scenario: c.scenario } : {}),
  };
}

/** Requests a case keeps in the report: the first ones and the last ones (a client looping on requests). */
export const TRANSCRIPT_HEAD = 200;
export const TRANSCRIPT_TAIL = 50;

/** The ledger as the report keeps it: whole up to HEAD + TAIL requests, else its head and tail and a count. */
export function keptTranscript(ledger: LedgerEntry[]): Pick<CaseRecord, 'transcript' | 'requestsLeftOut'> {
  if (ledger.length <= TRANSCRIPT_HEAD + TRANSCRIPT_TAIL) return { transcript: ledger };
  return { transcript: [...ledger.slice(0, TRANSCRIPT_HEAD), ...ledger.slice(-TRANSCRIPT_TAIL)], requestsLeftOut: ledger.length - TRANSCRIPT_HEAD - TRANSCRIPT_TAIL };
}

export interface RecordOptions {
  /**
   * Keep the requests of a passing case too (a run that names its cases: a replay prints them). By default
   * a passing case keeps only their count: transcripts were half of a full report, and its replay command
   * prints them again.
   */
  transcriptWhenPassing?: boolean;
}

export function judgedRecord(c: ConformanceCase, o: Observation, j: Judgement, options: RecordOptions = {}): CaseRecord {
  const kept = j.verdict !== 'pass' || options.transcriptWhenPassing === true;
  return {
    ...caseFields(c),
    verdict: j.verdict,
    failures: j.failures,
    notJudged: j.notJudged,
    ...(j.reason ? { reason: j.reason } : {}),
    expected: j.expected,
    observed: j.observed,
    states: o.states,
    calls: o.calls,
    ...(j.verdict !== 'pass' && o.transportNotes?.length ? { transportNotes: o.transportNotes } : {}),
    // The judge has read the whole ledger already.
    ...(kept ? keptTranscript(o.ledger) : { transcript: [], ...(o.ledger.length ? { requestsLeftOut: o.ledger.length } : {}) }),
  };
}

export function unsupportedRecord(c: ConformanceCase, reason: string): CaseRecord {
  return { ...caseFields(c), verdict: 'unsupported', failures: [], notJudged: [], reason, expected: c.expected, states: [], calls: [], transcript: [] };
}
