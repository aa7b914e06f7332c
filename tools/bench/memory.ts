// Peak memory of a process and everything it starts (the CLI, its vitest worker, a client process), by
// sampling /proc: each process's high-water mark (VmHWM) and the sum of the tree's resident sets at each
// sample. Linux only; elsewhere the figures are null.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface TreePeak {
  /** The largest high-water mark of any one process of the tree, MB. */
  processMb: number | null;
  /** The largest sum of the tree's resident sets at one sample, MB. */
  treeMb: number | null;
  /** Each process's high-water mark, MB, by its command (first 60 characters). */
  byProcess: Record<string, number>;
}

const PROC = '/proc';

function statusField(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`${PROC}/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = readFileSync(`${PROC}/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`${PROC}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 60);
  } catch {
    return String(pid);
  }
}

/** The pids of `root` and its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(PROC)) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const visit = (pid: number): void => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

/** Samples the tree under `root` every `everyMs` until stop(). */
export function watchTree(root: number, everyMs = 100): { stop(): TreePeak } {
  if (!existsSync(`${PROC}/self/status`)) return { stop: () => ({ processMb: null, treeMb: null, byProcess: {} }) };
  const byPid = new Map<number, { command: string; hwm: number }>();
  let treeMb = 0;
  const sample = (): void => {
    let sum = 0;
    for (const pid of tree(root)) {
      const rss = statusField(pid, 'VmRSS');
      const hwm = statusField(pid, 'VmHWM');
      if (rss === undefined || hwm === undefined) continue;
      sum += rss;
      const seen = byPid.get(pid) ?? { command: commandOf(pid), hwm: 0 };
      seen.hwm = Math.max(seen.hwm, hwm);
      byPid.set(pid, seen);
    }
    treeMb = Math.max(treeMb, sum);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const byProcess: Record<string, number> = {};
      for (const { command, hwm } of byPid.values()) byProcess[command] = Math.max(byProcess[command] ?? 0, Math.round(hwm));
      const peaks = [...byPid.values()].map((p) => p.hwm);
      return { processMb: peaks.length ? Math.round(Math.max(...peaks)) : null, treeMb: Math.round(treeMb), byProcess };
    },
  };
}
