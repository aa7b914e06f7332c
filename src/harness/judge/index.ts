// The judge: observation + case -> verdict. It re-derives no rule: the expectation is on the case
// (computed from src/rules or written in the scenario's module), and every failure names the rule it
// breaks. Order of checks: the packets' form, the invariants about requests, the case's own checks,
// the invariants about claims; one root cause is blamed once, under its most specific rule.
import { ruleById, type RuleId } from '../../rules/index.js';
import type { CaseExpectation, ConformanceCase } from '../cases.js';
import type { JobError } from '../contract.js';
import type { Observation } from '../observation.js';
import { scenarioByName } from '../scenarios/index.js';
import { blameOnce, type Failure, type NotJudged } from './failure.js';
import { claimInvariants, requestInvariants } from './invariants.js';
import { judgeRetryUntilNpt, judgeStatusMatrix } from './matrix.js';
import { scenarioJudgement } from './scenario-kit.js';
import { decisionAfter, postsOf } from './timeline.js';
import { checkWire } from './wire.js';

export type { Evidence, Failure, NotJudged } from './failure.js';

export type CaseVerdict = 'pass' | 'fail' | 'warn' | 'unsupported' | 'error';

export interface ObservedSummary {
  states: string[];
  /** What the job decided at the case's key moment (after the first final Ack, or after the fault). */
  decision: { state: string; error: JobError | null } | null;
  posts: number;
  closeSessions: number;
  /** Request times relative to the first final Ack, with packet types. */
  requestsAfterFinalAck: { dt: number; packetType: string }[];
}

export interface Judgement {
  verdict: CaseVerdict;
  failures: Failure[];
  /** Checks whose premise did not hold, or whose interpretation was switched off: neither passed nor failed. */
  notJudged: NotJudged[];
  expected: CaseExpectation;
  observed: ObservedSummary;
  reason?: string;
}

export interface JudgeOptions {
  /** SHOULD rules fail a case too (default: they only warn). */
  strict?: boolean;
  /** Interpretations switched off: their failures are dropped (and listed as not judged). */
  interpretationsOff?: readonly string[];
}

/** Where one request is blamed by two rules, these win, in this order: they name the packet's own rule. */
const BLAME_FIRST: readonly RuleId[] = ['ACK-RANGE-ALWAYS', 'PKT-CLOSE-RETRY', 'PKT-CLOSE-EARLY', 'PKT-CLOSE-ONCE'];

function observedSummary(c: ConformanceCase, o: Observation): ObservedSummary {
  const first = postsOf(o)[0];
  // Stryker disable next-line ConditionalExpression: the server plays faults only in scenarios, so a matrix case's ledger has none to find
  const key = c.kind === 'scenario' ? (o.ledger.find((e) => e.fault) ?? first) : first;
  const decision = key && decisionAfter(o, key);
  return {
    states: o.states.map((s) => s.state),
    decision: decision ? { state: decision.state, error: decision.error } : null,
    posts: postsOf(o).length,
    closeSessions: o.ledger.filter((e) => e.packetType === 'Close-Session').length,
    requestsAfterFinalAck: first ? o.ledger.filter((e) => e.seq > first.seq).map((e) => ({ dt: e.t - first.t, packetType: e.packetType })) : [],
  };
}

function caseChecks(c: ConformanceCase, o: Observation, notJudged: NotJudged[], off: ReadonlySet<string>): Failure[] {
  if (c.kind === 'retry-until-npt') return judgeRetryUntilNpt(c, o);
  if (c.kind === 'status-matrix') return judgeStatusMatrix(c, o, { firstResumeOnly: off.has('NOREPOST-EVERY-RESUME') });
  const s = scenarioByName(c.scenario!);
  return s.judge(scenarioJudgement(c, o, s.title, notJudged));
}

/** Blames each piece of evidence once, most specific rule first; keeps the failures in their order. */
function blameByPrecedence(failures: Failure[]): Failure[] {
  const rank = (f: Failure) => (BLAME_FIRST.includes(f.rule) ? BLAME_FIRST.indexOf(f.rule) : BLAME_FIRST.length);
  const kept = new Set(blameOnce([...failures].sort((a, b) => rank(a) - rank(b))));
  return failures.filter((f) => kept.has(f));
}

export function judge(c: ConformanceCase, o: Observation, options: JudgeOptions = {}): Judgement {
  const expected = c.expected;
  const observed = observedSummary(c, o);
  const notJudged: NotJudged[] = [];
  if (o.harnessError) return { verdict: 'error', failures: [], notJudged, expected, observed, reason: o.harnessError };
  if (o.clientError) return { verdict: 'error', failures: [], notJudged, expected, observed, reason: `client error: ${o.clientError}` };
  // Stryker disable next-line ArrayDeclaration: a set of rule IDs holding a string that names no rule switches nothing off
  const off = new Set(options.interpretationsOff ?? []);
  const all = [...checkWire(c, o), ...requestInvariants(c, o), ...caseChecks(c, o, notJudged, off), ...claimInvariants(o)];
  for (const rule of new Set(all.filter((f) => off.has(f.rule)).map((f) => f.rule))) notJudged.push({ rule, reason: 'the interpretation is switched off (--interpretations-off)' });
  const blamed = blameByPrecedence(all.filter((f) => !off.has(f.rule)));
  // A check its premise never reached counts only when nothing else explains why.
  const primary = blamed.filter((f) => !f.consequence);
  // The flag is the judge's own bookkeeping: a judgement's failures are what the report writes.
  const failures = (primary.length ? primary : blamed).map(({ consequence: _judgedAlone, ...f }) => f);
  // Stryker disable next-line Regex,StringLiteral: message text: the reason a consequence was not judged; the label stands only at the start of a message
  for (const f of blamed.filter((x) => x.consequence && primary.length)) notJudged.push({ rule: f.rule, reason: `${f.message.replace(/^interpretation: /, '')} (after the failures above)` });
  const broken = failures.map((f) => ruleById(f.rule).level);
  const verdict: CaseVerdict = broken.includes('MUST') || (options.strict && broken.length) ? 'fail' : broken.length ? 'warn' : 'pass';
  return { verdict, failures, notJudged, expected, observed };
}
