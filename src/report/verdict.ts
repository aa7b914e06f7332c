// Run verdicts and exit codes (architecture notes): conformant 0, non-conformant 1, error 2, vacuous 3;
// a run stopped by a signal is `interrupted`, exit 128 + the signal's number (130 for SIGINT).
import { constants } from 'node:os';
import type { CaseVerdict } from '../harness/judge/index.js';

export type RunVerdict = 'conformant' | 'non-conformant' | 'vacuous' | 'error' | 'interrupted';

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
}

export const EXIT_CODE: Record<RunVerdict, number> = { conformant: 0, 'non-conformant': 1, error: 2, vacuous: 3, interrupted: 130 };

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
export function summarize({ verdicts, requests, runErrors, interrupted = false }: RunFacts): Summary {
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
  return { ...s, verdict };
}

/** The verdict as a person reads it: an xfail count is part of it, never a footnote. */
export function describeVerdict(summary: Summary): string {
  if (summary.verdict === 'interrupted') return 'interrupted (a partial run: no conformance verdict)';
  return summary.xfail > 0 ? `${summary.verdict}, with ${summary.xfail} expected failure${summary.xfail === 1 ? '' : 's'}` : summary.verdict;
}
