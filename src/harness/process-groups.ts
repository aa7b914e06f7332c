// A client process runs in a process group of its own (it is spawned detached), so that it and
// everything it starts can be killed at once. This module makes sure no such group outlives the process
// that started it, however that process ends: a normal exit, an uncaught error, SIGINT, SIGTERM, SIGHUP,
// or the loss of its parent (a vitest worker whose CLI is gone). Only SIGKILL (or an abort) cannot be
// caught: for that, each group id is also appended to a record file that another process (the CLI)
// kills from (killRecordedGroups).
import { appendFileSync, readFileSync } from 'node:fs';

interface Group {
  /** Synchronous clean-up of what belongs to the group (its payload files). */
  cleanup?: () => void;
}

const live = new Map<number, Group>();
const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/** Sends `signal` to every process of the group; true if the group existed. */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

function killAll(): void {
  for (const [pgid, group] of live) {
    killGroup(pgid);
    try {
      group.cleanup?.();
    } catch {
      // best effort on the way out
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Alone on this signal: behave as if there were no listener (the default action, death by the
  // signal), which a listener otherwise prevents. With other listeners (the CLI's), they decide.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  // A vitest worker is a child with an IPC channel; when its parent dies the channel closes.
  if (process.send) process.on('disconnect', killAll);
}

/** Takes charge of a group: it is killed on any way out of this process; `recordFile` gets its id. */
export function adoptGroup(pgid: number, options: { recordFile?: string; cleanup?: () => void } = {}): void {
  install();
  live.set(pgid, options.cleanup ? { cleanup: options.cleanup } : {});
  if (options.recordFile) appendFileSync(options.recordFile, `${pgid}\n`);
}

/** The group was killed and cleaned up by its owner. */
export function releaseGroup(pgid: number): void {
  live.delete(pgid);
}

/**
 * Kills every group named in a record file (one id a line); returns how many still existed. A group id
 * cannot be reused while any process of the group lives, so a killed id only reaches a stranger if the
 * whole group died and the system handed the same number to a new group leader in between: the run's
 * few seconds against a pid space of millions.
 */
export function killRecordedGroups(recordFile: string): number {
  let text: string;
  try {
    text = readFileSync(recordFile, 'utf8');
  } catch {
    return 0; // no client was started
  }
  const ids = new Set(text.split('\n').filter((line) => /^[1-9]\d*$/.test(line)).map(Number));
  return [...ids].filter((pgid) => killGroup(pgid)).length;
}
