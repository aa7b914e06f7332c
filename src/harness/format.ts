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

/** A duration as a person reads it: 40 ms, 1.5 s, 30 min, 14 d 2 h (two units are enough to read a delay). */
export function fmtMs(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest} ms`;
  if (rest < 60_000 && rest % 1000 !== 0) return `${sign}${(rest / 1000).toFixed(1)} s`;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000], ['ms', 1]];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return sign + parts.join(' ');
}

/** Whether a reported error matches an expected one (an expectation without a code accepts any code). */
export function errorMatches(actual: JobError | null | undefined, want: { context: number; code?: number } | null): boolean {
  if (!want) return !actual;
  return !!actual && actual.context === want.context && (want.code === undefined || actual.code === want.code);
}
