// Run verdicts and exit codes (architecture notes): conformant 0, non-conformant 1, error 2, vacuous 3.
import type { CaseVerdict } from '../harness/judge.js';

export type RunVerdict = 'conformant' | 'non-conformant' | 'vacuous' | 'error';

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  warn: number;
  unsupported: number;
  error: number;
  verdict: RunVerdict;
}

export const EXIT_CODE: Record<RunVerdict, number> = { conformant: 0, 'non-conformant': 1, error: 2, vacuous: 3 };

export interface RunFacts {
  verdicts: CaseVerdict[];
  /** Requests the client made over the whole run: none means it was never exercised. */
  requests: number;
  /** Errors outside any case (a suite that could not load): the run cannot be trusted. */
  runErrors: number;
}

/**
 * A run that checked nothing is vacuous, whatever else happened. Proven failures make it
 * non-conformant even beside harness errors; harness errors alone make it an error.
 */
export function summarize({ verdicts, requests, runErrors }: RunFacts): Summary {
  const count = (v: CaseVerdict): number => verdicts.filter((x) => x === v).length;
  const s = { total: verdicts.length, pass: count('pass'), fail: count('fail'), warn: count('warn'), unsupported: count('unsupported'), error: count('error') };
  let verdict: RunVerdict;
  if (s.total === 0 || s.unsupported === s.total || (requests === 0 && runErrors === 0 && s.error === 0)) verdict = 'vacuous';
  else if (s.fail > 0) verdict = 'non-conformant';
  else if (s.error > 0 || runErrors > 0) verdict = 'error';
  else verdict = 'conformant';
  return { ...s, verdict };
}
