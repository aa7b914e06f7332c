// How the harness and the report write errors and durations: one form everywhere, so a message in a
// failure, the terminal and the HTML read the same.
import { formatHresult } from '../protocol/index.js';
import type { JobError } from './contract.js';

/**
 * `{ context 7, code 0x801901F7 }`, or `none`; a missing code means any code (an expectation that names
 * only the context). A report's error carries its code already written in hex.
 */
export function showError(error: { context: number; code?: number | string } | null | undefined): string {
  if (!error) return 'none';
  const code = error.code === undefined ? 'any code' : `code ${typeof error.code === 'string' ? error.code : formatHresult(error.code)}`;
  return `{ context ${error.context}, ${code} }`;
}

/** 600 s, 1.5 s, 40 ms: seconds from one second up, milliseconds below. */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1))} s`;
  return `${Math.round(ms)} ms`;
}

/** Whether a reported error matches an expected one (an expectation without a code accepts any code). */
export function errorMatches(actual: JobError | null | undefined, want: { context: number; code?: number } | null): boolean {
  if (!want) return !actual;
  return !!actual && actual.context === want.context && (want.code === undefined || actual.code === want.code);
}
