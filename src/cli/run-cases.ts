// The part of `run` that runs the cases: vitest's node API on the conformance project, the judged
// records collected as cases finish, and two guarantees whatever way the run ends. No client process
// outlives it: the worker appends each client's process group to a record file, and this process
// kills those groups at the end, at a signal and on exit, so even a worker killed with SIGKILL leaves
// nothing behind. And a signal keeps what finished (interrupt.ts).
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Reporter } from 'vitest/node';
import { killRecordedGroups } from '../harness/process-groups.js';
import type { CaseRecord } from '../harness/record.js';
import type { RunInterruption } from './interrupt.js';
import { Watchdog } from './watchdog.js';
import type { InterruptSignal } from '../report/verdict.js';

export interface CasesSpec {
  /** Values for the suites' inject(); the record file of client groups is added here. */
  provide: Record<string, unknown>;
  /** vitest options of this run (time limit, bail, name filter, isolation). */
  vitest: Record<string, unknown>;
  /** The suite files to start (paths from the package root); absent: every file. Empty: none holds a selected case. */
  files?: string[];
  /** Reporters beside the collector (progress). */
  reporters: Reporter[];
  interruption: RunInterruption;
}

export interface CasesRun {
  records: (CaseRecord & { durationMs?: number })[];
  runErrors: string[];
  startedAt: Date;
  finishedAt: Date;
  interrupted?: { signal: InterruptSignal; at: string };
}

/** A record file for client process groups, and the way to kill what it names. */
export function clientGroupRecord(): { file: string; killAll(): number; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bits-client-groups-'));
  const file = join(dir, 'process-groups');
  return {
    file,
    killAll: () => killRecordedGroups(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Where vitest keeps the suites' transformed modules between runs (its fsModuleCache, keyed by each file's
 * content): about a second of every run, most of a replay's. Per user, in the temporary folder; none
 * when that cannot be written (vitest would fail the run on a failed write).
 */
function moduleCacheOptions(): Record<string, unknown> {
  const dir = join(tmpdir(), `bits-conformance-${userInfo().uid}`, 'vitest-modules');
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch {
    return {};
  }
  return { experimental: { fsModuleCache: true, fsModuleCachePath: dir } };
}

export async function runCases(root: string, spec: CasesSpec, groups: ReturnType<typeof clientGroupRecord>): Promise<CasesRun> {
  const [{ startVitest }, { CaseCollector }] = await Promise.all([import('vitest/node'), import('../report/collector.js')]);
  const collector = new CaseCollector();
  spec.interruption.whenInterrupted(() => collector.freeze());
  // After a stop, what ends is cut short by the cancel: the cases that finished before it are the report.
  const watchdog = new Watchdog(Number(spec.vitest.testTimeout ?? 60_000));
  watchdog.whenStopped(() => collector.freeze());
  const startedAt = new Date();
  // A signal that came while the run was being prepared, or a selection no file holds: nothing is started.
  if (!spec.interruption.signal && spec.files?.length !== 0) {
    const vitest = await startVitest(
      'test',
      spec.files ?? [],
      {
        root,
        project: 'conformance',
        watch: false,
        reporters: [spec.interruption, collector, watchdog, ...spec.reporters],
        provide: { ...spec.provide, clientGroupsFile: groups.file },
        ...moduleCacheOptions(),
        ...spec.vitest,
      },
      { logLevel: 'silent' },
    );
    await vitest.close();
  }
  // The worker killed its client already, unless it died first (SIGKILL, out of memory).
  groups.killAll();
  const { signal, at } = spec.interruption;
  return {
    records: collector.records,
    // After a signal, errors outside the cases are the shutdown's own (a worker stopped mid-file).
    runErrors: signal ? [] : [...collector.runErrors, ...(watchdog.reason ? [watchdog.reason] : [])],
    startedAt,
    finishedAt: new Date(),
    ...(signal && at ? { interrupted: { signal, at: at.toISOString() } } : {}),
  };
}
