// Which cases a run declares: --codes, --rules, --relay, --job-type, --case and --shard, given by the
// CLI through vitest `provide` and applied to each suite's case list, so the same selection holds for
// in-process clients and clients in another process.
import { createHash } from 'node:crypto';
import { inject, test } from 'vitest';
import type { RelayForm } from '../server/index.js';
import type { ConformanceCase } from './cases.js';
import type { JobType } from './contract.js';

/** Every field narrows the run; values within a field are alternatives (OR), fields combine (AND). */
export interface CaseSelection {
  /** Inclusive status ranges: [[400, 499], [503, 503]]. */
  codes?: [number, number][];
  /** Cases that check at least one of these rule IDs. */
  rules?: string[];
  relays?: RelayForm[];
  jobTypes?: JobType[];
  /** Exact case ids (the replay command's --case). */
  cases?: string[];
  /** This machine's part of the selected cases: shard `index` (1-based) of `count`. */
  shard?: { index: number; count: number };
}

declare module 'vitest' {
  export interface ProvidedContext {
    caseSelection: CaseSelection;
    /** --timeout-multiplier: scales how long a client in another process may take to answer a command. */
    timeoutMultiplier: number;
  }
}

/**
 * The shard (1..count) a case belongs to: from its id alone (SHA-256, first 32 bits), so it does not
 * depend on which other cases exist or in what order the suites list them. The shards of one
 * selection are disjoint and their union is the unsharded selection.
 */
export function shardOf(caseId: string, count: number): number {
  return (createHash('sha256').update(caseId).digest().readUInt32BE(0) % count) + 1;
}

export function matchesSelection(c: Pick<ConformanceCase, 'id' | 'status' | 'relay' | 'jobType' | 'rules'>, s: CaseSelection): boolean {
  if (s.codes && !s.codes.some(([from, to]) => c.status >= from && c.status <= to)) return false;
  if (s.rules && !c.rules.some((rule) => s.rules!.includes(rule))) return false;
  if (s.relays && !s.relays.includes(c.relay)) return false;
  if (s.jobTypes && !s.jobTypes.includes(c.jobType)) return false;
  if (s.cases && !s.cases.includes(c.id)) return false;
  if (s.shard && shardOf(c.id, s.shard.count) !== s.shard.index) return false;
  return true;
}

export function applySelection<C extends Pick<ConformanceCase, 'id' | 'status' | 'relay' | 'jobType' | 'rules'>>(cases: C[], selection: CaseSelection | undefined): C[] {
  return selection ? cases.filter((c) => matchesSelection(c, selection)) : cases;
}

/** Set once inject() has thrown: a process outside vitest stays outside, and a throw per call costs a stack capture. */
let outsideVitest = false;

function injected<K extends 'caseSelection' | 'timeoutMultiplier'>(key: K) {
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
  return injected('caseSelection')?.cases !== undefined;
}

/** The per-command answer time for a client in another process, scaled by --timeout-multiplier. */
export function commandTimeoutMs(defaultMs: number): number {
  const multiplier = injected('timeoutMultiplier');
  return Math.round(defaultMs * (typeof multiplier === 'number' && multiplier > 0 ? multiplier : 1));
}

/** The name of the one skipped test a suite file declares when the selection leaves none of its cases. */
export const NOTHING_SELECTED = '(no case of this file is selected)';

/**
 * The suite side: the cases of one suite file that the run selected (all of them when nothing was
 * provided). A file left with none declares one skipped test, because vitest reports a file without
 * tests as an error.
 */
export function selectedCases<C extends ConformanceCase>(cases: C[]): C[] {
  const selected = applySelection(cases, injected('caseSelection'));
  if (selected.length === 0) test(NOTHING_SELECTED, ({ skip }) => skip('the selection leaves no case of this file'));
  return selected;
}
