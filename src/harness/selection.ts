// Which cases a run declares: --codes, --rules, --relay, --job-type, --case and --shard, given by the
// CLI through vitest `provide` and applied to each suite's case list, so the same selection holds for
// in-process clients and clients in another process. Plain data and filters: the CLI counts a selection
// with them before vitest starts, so this module imports no vitest (the suite side is provided.ts).
import { createHash } from 'node:crypto';
import type { RelayForm } from '../server/relay-forms.js';
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
