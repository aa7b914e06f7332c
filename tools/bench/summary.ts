// reports/bench.json: its form, medians over rounds, and the figures the README's table shows.
import type { TimedRun } from './cli-runs.js';
import type { ExecutionFigures } from './execution.js';
import type { BenchSummary } from './readme-table.js';

export type ExecutionMode = 'reference' | 'reference-msw' | 'plain';

/** The case a replay runs: a whole-suite run's first case, as a user replays one. */
export const REPLAY_CASE = 'app/200/mirror/upload';

export interface SideBySideRun {
  beforeMs: number;
  afterMs: number;
  /** beforeMs / afterMs */
  faster: number;
  beforePeakMb: number | null;
  afterPeakMb: number | null;
}

export interface BenchReport {
  command: string;
  date: string;
  node: string;
  machine: { cpus: number; model: string | null; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  seconds: number;
  execution: { mode: ExecutionMode; label: string; runs: ExecutionFigures[]; median: ExecutionFigures }[];
  fullRun: { runs: TimedRun[]; median: TimedRun };
  replay: { caseId: string; runs: TimedRun[]; median: TimedRun };
  sideBySide?: { before: string; after: string; runs: SideBySideRun[] };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of every number, field by field (in nested objects too); anything else as the first run has it. */
export function medianBy<T>(runs: readonly T[]): T {
  const first = runs[0]!;
  if (typeof first === 'number') return median(runs as readonly number[]) as T;
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    const values = runs.map((r) => (r as Record<string, unknown>)[key]);
    out[key] = values.every((v) => typeof v === 'number') || values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) ? medianBy(values) : values[0];
  }
  return out as T;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));
const toS = (ms: number): number => round(ms / 1000, 1);

/** The figures the README shows, rounded as it shows them. */
export function summaryOf(bench: BenchReport): BenchSummary {
  const rounds = bench.fullRun.runs.length;
  const runRow = (label: string, r: TimedRun, withSize: boolean) => ({
    label,
    startupS: toS(r.startupMs),
    casesS: toS(r.casesMs),
    reportS: toS(r.reportMs),
    totalS: toS(r.totalMs),
    runTimeS: toS(r.runTimeMs),
    peakMb: r.memory.processMb ?? 0,
    treeMb: r.memory.treeMb ?? 0,
    reportMb: withSize ? round(r.reportBytes / 1e6, 1) : null,
  });
  const side = bench.sideBySide;
  return {
    caption: `Medians of ${rounds} rounds (\`${bench.command}\`), ${bench.machine.cpus} cores, load average ${bench.machine.loadAverageAtStart[0]!.toFixed(1)} at the start, Node ${bench.node}.`,
    engine: bench.execution.map(({ label, median: m }) => ({
      label,
      cases: m.cases,
      requests: Math.round(m.requests),
      msPerCase: round(m.msPerCase, 2),
      msPerRequest: round(m.msPerRequest, 3),
      getResponseMsPerRequest: round(m.getResponseMsPerRequest, 3),
      nativeMsPerRequest: round(m.nativeMsPerRequest, 3),
      vsGetResponse: round(m.vsGetResponse, 2),
      vsNative: round(m.vsNative, 1),
    })),
    runs: [runRow('whole suite', bench.fullRun.median, true), runRow(`\`--case ${bench.replay.caseId}\``, bench.replay.median, false)],
    sideBySide: side
      ? [{ label: `${side.before.replace(/^.*\(/, '').replace(/\)$/, '')} -> ${side.after.replace(/^.*\(/, '').replace(/\)$/, '')}`, beforeS: toS(median(side.runs.map((r) => r.beforeMs))), afterS: toS(median(side.runs.map((r) => r.afterMs))), faster: round(median(side.runs.map((r) => r.faster)), 1) }]
      : [],
  };
}
