// Run verdicts and exit codes (architecture notes): conformant 0, non-conformant 1, error 2, vacuous 3;
// a run stopped by a signal is `interrupted`, exit 128 + the signal's number (130 for SIGINT).
import { constants } from 'node:os';
import type { CaseVerdict } from '../harness/judge/index.js';
import type { CaseSelection } from '../harness/selection.js';

/**
 * `partial`: no case failed, but the run was not the whole suite judged in full (a selection, a shard,
 * accepted failures, interpretations switched off, --bail): never a certification, exit 0 all the same.
 */
export type RunVerdict = 'conformant' | 'partial' | 'non-conformant' | 'vacuous' | 'error' | 'interrupted';

/**
 * A case's verdict as the report states it: the judge's, or `xfail` for a failure an
 * expected-failures entry accepted (see xfail.ts). Only a `fail` can become an `xfail`.
 */
export type ReportVerdict = CaseVerdict | 'xfail';

export const REPORT_VERDICTS: readonly ReportVerdict[] = ['pass', 'fail', 'warn', 'xfail', 'unsupported', 'error'];

export interface Summary {
  total: number;
  pass: number;
  /** Failures nobody accepted: these decide `non-conformant`. */
  fail: number;
  warn: number;
  /** Accepted failures: not counted in `fail`, but always shown beside the verdict. */
  xfail: number;
  unsupported: number;
  error: number;
  verdict: RunVerdict;
  /** `full`: the whole suite ran and was judged in full; only then can the verdict be `conformant`. */
  completeness?: 'full' | 'partial';
  /** Why the run is partial, each with a sentence for a person. */
  partial?: PartialReason[];
}

export interface PartialReason {
  reason: 'selection' | 'shard' | 'expected-failures' | 'interpretations-off' | 'bail' | 'interrupted';
  detail: string;
}

/** What a run's completeness depends on (the report's own fields). */
export interface CoverageFacts {
  options?: { selection?: CaseSelection; interpretationsOff?: string[]; bail?: boolean };
  interrupted?: { signal: string };
}

/** A selection as the flags that make it: `--codes 403,429 --relay mirror --shard 1/4`. */
export function selectionFlags(selection: CaseSelection, { withShard = true, withCase = true } = {}): string[] {
  const flags: string[] = [];
  if (selection.codes) flags.push('--codes', selection.codes.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(','));
  if (selection.rules) flags.push('--rules', selection.rules.join(','));
  if (selection.relays) flags.push('--relay', selection.relays.join(','));
  if (selection.jobTypes) flags.push('--job-type', selection.jobTypes.join(','));
  if (withCase && selection.cases) flags.push('--case', selection.cases.join(','));
  if (withShard && selection.shard) flags.push('--shard', `${selection.shard.index}/${selection.shard.count}`);
  return flags;
}

/** Why a run does not cover the whole suite judged in full; none for a full run. */
export function partialReasons(facts: CoverageFacts, counts: { xfail: number; fail: number; error: number }): PartialReason[] {
  const reasons: PartialReason[] = [];
  const { selection, interpretationsOff, bail } = facts.options ?? {};
  const chosen = selection ? selectionFlags(selection, { withShard: false }).join(' ') : '';
  if (chosen) reasons.push({ reason: 'selection', detail: `a selection of the cases: ${chosen}` });
  if (selection?.shard) reasons.push({ reason: 'shard', detail: `shard ${selection.shard.index}/${selection.shard.count} of the cases (merge every shard for the whole run)` });
  if (counts.xfail > 0) reasons.push({ reason: 'expected-failures', detail: `${counts.xfail} failure${counts.xfail === 1 ? '' : 's'} accepted as expected (--expect-fail)` });
  if (interpretationsOff?.length) reasons.push({ reason: 'interpretations-off', detail: `interpretations not judged: ${interpretationsOff.join(', ')}` });
  if (bail && counts.fail + counts.error > 0) reasons.push({ reason: 'bail', detail: 'stopped after the first case that did not pass (--bail)' });
  if (facts.interrupted) reasons.push({ reason: 'interrupted', detail: `interrupted by ${facts.interrupted.signal}` });
  return reasons;
}

export const EXIT_CODE: Record<RunVerdict, number> = { conformant: 0, partial: 0, 'non-conformant': 1, error: 2, vacuous: 3, interrupted: 130 };

/** The signals that interrupt a run and leave a partial report. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** A shell's exit code for death by `signal`: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

export interface RunFacts {
  verdicts: ReportVerdict[];
  /** Requests the client made over the whole run: none means it was never exercised. */
  requests: number;
  /** Errors outside any case (a suite that could not load): the run cannot be trusted. */
  runErrors: number;
  /** A signal stopped the run: the cases are what finished before it. */
  interrupted?: boolean;
  /** How the run was asked for: a run that is not the whole suite judged in full is partial. */
  coverage?: CoverageFacts;
}

/**
 * A run stopped by a signal is interrupted, whatever its cases say: a part of a run is never
 * conformant. A run that checked nothing is vacuous, unless it broke (a run error explains why
 * nothing was checked). A run that broke (a suite did not load, the client process died or broke the
 * protocol) is an error. Otherwise proven failures make it
 * non-conformant even beside case errors; case errors alone make it an error. An accepted
 * failure (xfail) is not a proven failure, so it alone does not fail the run; every writer prints
 * the xfail count next to the verdict so that it is never silent.
 */
export function summarize({ verdicts, requests, runErrors, interrupted = false, coverage = {} }: RunFacts): Summary {
  const count = (v: ReportVerdict): number => verdicts.filter((x) => x === v).length;
  const s = {
    total: verdicts.length,
    pass: count('pass'),
    fail: count('fail'),
    warn: count('warn'),
    xfail: count('xfail'),
    unsupported: count('unsupported'),
    error: count('error'),
  };
  let verdict: RunVerdict;
  if (interrupted) verdict = 'interrupted';
  else if (runErrors > 0 && s.total === 0) verdict = 'error'; // it broke before any case (the hello handshake)
  else if (s.total === 0 || s.unsupported === s.total || (requests === 0 && runErrors === 0 && s.error === 0)) verdict = 'vacuous';
  else if (runErrors > 0) verdict = 'error'; // the run itself broke (a suite did not load, the client process died)
  else if (s.fail > 0) verdict = 'non-conformant';
  else if (s.error > 0) verdict = 'error';
  else verdict = 'conformant';
  const partial = partialReasons({ ...coverage, ...(interrupted && !coverage.interrupted ? { interrupted: { signal: 'a signal' } } : {}) }, s);
  if (partial.length && verdict === 'conformant') verdict = 'partial';
  return { ...s, verdict, completeness: partial.length ? 'partial' : 'full', ...(partial.length ? { partial } : {}) };
}

/** The verdict as a person reads it: a partial run says so and why; accepted failures are among the reasons. */
export function describeVerdict(summary: Summary): string {
  if (summary.verdict === 'interrupted') return 'interrupted (a partial run: no conformance verdict)';
  const why = (summary.partial ?? []).filter((p) => p.reason !== 'interrupted').map((p) => p.detail).join('; ');
  if (summary.verdict === 'partial') {
    return `partial: no failure in the ${summary.total} case${summary.total === 1 ? '' : 's'} that ran, not a conformance verdict (${why})`;
  }
  return why ? `${summary.verdict} (a partial run: ${why})` : summary.verdict;
}

/**
 * A summary written before completeness existed, in today's terms: its completeness derived from what
 * the report says of its run, and `conformant` for a partial run read as `partial`.
 */
export function withCompleteness(summary: Summary, facts: CoverageFacts): Summary {
  if (summary.completeness) return summary;
  const partial = partialReasons(facts, { xfail: summary.xfail ?? 0, fail: summary.fail, error: summary.error });
  if (!partial.length) return { ...summary, completeness: 'full' };
  return { ...summary, ...(summary.verdict === 'conformant' ? { verdict: 'partial' as const } : {}), completeness: 'partial', partial };
}
