// What the CLI provides to the suites through vitest `provide`, read on the suite side: the selection,
// whether the run names its cases, --timeout-multiplier, and (for suite.ts) the client and judging
// options. Apart from selection.ts so that the CLI process can count a selection without loading
// vitest's test runtime.
import { inject, test, type ProvidedContext } from 'vitest';
import type { ConformanceCase } from './cases.js';
import { applySelection, type CaseSelection } from './selection.js';

declare module 'vitest' {
  export interface ProvidedContext {
    caseSelection: CaseSelection;
    /** --timeout-multiplier: scales how long a client in another process may take to answer a command. */
    timeoutMultiplier: number;
  }
}

/** Set once inject() has thrown: a process outside vitest stays outside, and a throw per call costs a stack capture. */
let outsideVitest = false;

/** A value the CLI provided; undefined when it provided none, or outside vitest. */
export function provided<K extends keyof ProvidedContext & string>(key: K): ProvidedContext[K] | undefined {
  if (outsideVitest) return undefined;
  try {
    return inject(key);
  } catch {
    outsideVitest = true; // the engine run directly (the benchmark, an embedder)
    return undefined;
  }
}

/** Whether the run names its cases (`--case`, a replay): then every case keeps its transcript. */
export function runNamesItsCases(): boolean {
  return provided('caseSelection')?.cases !== undefined;
}

/** --timeout-multiplier, which scales the time limits of a run (the CLI checked it is above 0); 1 when none was given. */
export function timeoutMultiplier(): number {
  const multiplier = provided('timeoutMultiplier');
  return typeof multiplier === 'number' && multiplier > 0 ? multiplier : 1;
}

/** The name of the one skipped test a suite file declares when the selection leaves none of its cases. */
export const NOTHING_SELECTED = '(no case of this file is selected)';

/**
 * The suite side: the cases of one suite file that the run selected (all of them when nothing was
 * provided). A file left with none declares one skipped test, because vitest reports a file without
 * tests as an error.
 */
export function selectedCases<C extends ConformanceCase>(cases: C[]): C[] {
  const selected = applySelection(cases, provided('caseSelection'));
  if (selected.length === 0) test(NOTHING_SELECTED, ({ skip }) => skip('the selection leaves no case of this file'));
  return selected;
}
