// `run`: checks the client, runs the conformance suites through vitest's node API with the case
// selection provided to them, shows progress, then builds, validates and writes the report and
// prints a summary that puts the worst rules first. runConformance() (api.ts) is the same run without
// the printing.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/node';
import { UsageError } from './errors.js';
import { didYouMean, isWholeSuite, OptionError, selectionFlags, type ConformanceOptions } from './options.js';
import { flagName, RECORDED_KEYS, specOf, type SelectionKey } from './option-table.js';
import { BarDisplay, LineDisplay, ProgressReporter, progressMode, type ProgressDisplay } from './progress.js';
import { RunInterruption } from './interrupt.js';
import { clientGroupRecord, runCases, type CasesRun } from './run-cases.js';
import { loadClientModule } from '../harness/client-module.js';
import { ProcessClient, ProcessClientError, processClientLimits } from '../harness/process-client.js';
import type { CaseSelection } from '../harness/selection.js';
// For the type checker only: suite.ts declares the vitest augmentations this file and the reporters
// rely on (the provide keys, TaskMeta.conformance); without it a program that starts at src/index.ts
// (the published declarations, a user's tsc) would not see them.
import type {} from '../harness/suite.js';
import type { ConformanceReport, ReportCase } from '../report/report.js';
import { projectPath, removeStaleTemporaries } from '../report/files.js';
import { checkOutputFolder, lockOutputs } from '../report/output-lock.js';
import { finishReport, loadWriters, prepareOutputs, writeOutputs, type PreparedOutputs, type ReportFormat } from '../report/publish.js';
import { codeRanges, interruptionText, transcriptLines } from '../report/text.js';
import { fmtMs } from '../harness/format.js';
import { EXIT_CODE, describeVerdict, signalExitCode } from '../report/verdict.js';

export { UsageError } from './errors.js';


/** The bundled reference client, the default client of `run` (as src/harness/suite.ts resolves it). */
const REFERENCE_CLIENT_MODULE = fileURLToPath(new URL('../harness/reference-client.ts', import.meta.url));

/**
 * What runSuite() needs: the checked options as runOptionsFrom() gives them (every option of the
 * table but those turned into the selection and the formats), plus what the CLI and the API settle
 * themselves (where a command runs, how printed commands start, where lines go, progress).
 */
export type RunOptions = Omit<ConformanceOptions, SelectionKey | 'format' | 'debug'> & {
  /** Where a --client-cmd runs; default the current folder. */
  clientCwd?: string;
  selection?: CaseSelection;
  /** Report outputs (src/report/publish.ts), comma-separated; --baseline, --expect-fail and --sign go with them. */
  formats?: string;
  /** How printed commands start: `npx bits-conformance run`, or `npm start --` inside this repository. */
  command?: string;
  /** Where the summary goes; none (the API) prints nothing. */
  log?: (line: string) => void;
  /** Where a line that cannot wait for the summary goes (a signal, a client that failed the handshake); none prints nothing. */
  notify?: (line: string) => void;
  /** Progress display; default none. */
  progress?: ProgressDisplay;
};

export interface RunResult {
  report: ConformanceReport;
  files: Partial<Record<ReportFormat, string>>;
  exitCode: number;
  /** Lines for a person: expected-failure problems, the baseline gate, the signature. */
  notes: string[];
  /** About how many cases the selection holds (for --bail: how many did not run). */
  estimatedCases: number;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The conformance project's own per-case limit (vitest.config.ts); --timeout-multiplier scales it. */
const CASE_TIMEOUT_MS = 60_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function shellQuote(text: string): string {
  return /^[\w./:@,=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A client path for printed commands: as typed when relative; relative to here (./x) when a config made it absolute. */
export function typedPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : `./${rel}`;
}

interface Target {
  client: ConformanceReport['client'];
  provide: { clientModule: string } | { clientCmd: string; clientCwd: string; retryDelayMs: number };
  /** vitest options: the workers (without isolation) that run the suite files; a client in another process runs its cases side by side in one. */
  vitest: Record<string, unknown>;
  /** The options that name the client in a printed command. */
  clientArg: string;
  /** The timing profile its cases run with: in-process virtual time, or the wall clock. */
  realTimeRetryDelayMs?: number;
  /** Why the client cannot be run (it failed the hello handshake): the run's only error, no case runs. */
  brokenClient?: string;
}

/** Checks the client before the suites start: one clear line if it cannot be used. */
async function resolveTarget(options: RunOptions): Promise<Target> {
  if (options.client && options.clientCmd) throw new UsageError('give --client or --client-cmd, not both');
  if (options.clientCmd) {
    const cwd = options.clientCwd ?? process.cwd();
    const retryDelayMs = options.retryDelayMs ?? 200;
    let probe: ProcessClient;
    try {
      probe = await ProcessClient.start(options.clientCmd, { cwd, ...processClientLimits(options.timeoutMultiplier) }); // the hello handshake
    } catch (error) {
      if (!(error instanceof ProcessClientError)) throw error;
      // The client broke the protocol (or could not run): that is the run's verdict, with a report.
      return { client: { name: 'unknown (no hello)', version: 'unknown', module: options.clientCmd, transport: 'process' }, provide: { clientCmd: options.clientCmd, clientCwd: cwd, retryDelayMs }, vitest: {}, clientArg: ` --client-cmd ${shellQuote(options.clientCmd)}`, brokenClient: error.message };
    }
    const { name, version, capabilities } = probe;
    await probe.close();
    return {
      client: { name, version, module: options.clientCmd, transport: 'process', capabilities },
      provide: { clientCmd: options.clientCmd, clientCwd: cwd, retryDelayMs },
      vitest: { isolate: false, fileParallelism: false },
      clientArg: ` --client-cmd ${shellQuote(options.clientCmd)}${options.retryDelayMs ? ` --retry-delay-ms ${options.retryDelayMs}` : ''}`,
      realTimeRetryDelayMs: retryDelayMs,
    };
  }
  const clientModule = options.client ? resolve(options.client) : REFERENCE_CLIENT_MODULE;
  const client = await loadClientModule(clientModule, options.client ?? clientModule);
  return {
    client: { name: client.name, version: client.version, module: projectPath(clientModule), transport: 'in-process', ...(client.capabilities ? { capabilities: client.capabilities } : {}) },
    provide: { clientModule },
    vitest: inProcessWorkers(options.workers),
    clientArg: options.client ? ` --client ${shellQuote(typedPath(options.client))}` : '',
  };
}

/**
 * The vitest pool of an in-process run. A worker runs its files without isolation (a fresh worker per
 * file costs about a second each) and its cases one at a time on its own virtual clock; the main process
 * only collects results, so every core can run a worker. Which worker runs a file changes no verdict:
 * src/cli/workers.test.ts compares whole runs on one worker and on two.
 */
function inProcessWorkers(workers = availableParallelism()): Record<string, unknown> {
  return workers > 1 ? { isolate: false, fileParallelism: true, maxWorkers: workers } : { isolate: false, fileParallelism: false };
}

/** What the report says about how the run was asked for (the recorded options); absent for a default whole-suite run. */
function runOptionsOf(options: RunOptions): ConformanceReport['options'] {
  const selection = options.selection ?? {};
  const o: Record<string, unknown> = isWholeSuite(selection) ? {} : { selection };
  for (const key of RECORDED_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    const spec = specOf(key);
    if (value === undefined || value === false || (spec.type === 'number' && value === spec.default) || (Array.isArray(value) && !value.length)) continue;
    o[key] = Array.isArray(value) ? [...(value as string[])].sort() : value;
  }
  return Object.keys(o).length ? (o as ConformanceReport['options']) : undefined;
}

/** Runs the selected cases and returns the finished report; writes the report files when `out` is given. */
export async function runSuite(options: RunOptions): Promise<RunResult> {
  // From the start: a signal at any point leaves a report of what finished, and no client behind.
  const interruption = new RunInterruption().listen();
  const groups = clientGroupRecord();
  const killClients = (): void => void groups.killAll();
  process.on('exit', killClients);
  interruption.whenInterrupted(killClients);
  interruption.whenAborted(killClients);
  interruption.whenInterrupted((signal) => {
    options.notify?.(`interrupted by ${signal}: stopping; the report will hold the cases that finished (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again stops at once, without it)`);
  });
  try {
    return await lockedRun(options, interruption, groups);
  } finally {
    interruption.stop();
    killClients();
    groups.remove();
    process.removeListener('exit', killClients);
  }
}

async function lockedRun(options: RunOptions, interruption: RunInterruption, groups: ReturnType<typeof clientGroupRecord>): Promise<RunResult> {
  // Report inputs first: a bad baseline, list or key costs one line, not a whole run.
  const outputs = await prepareOutputs({ ...options, out: options.out ?? '.' });
  if (options.out !== undefined) checkOutputFolder(outputs.dir, options.out);
  const estimatedCases = await selectedCount(options);
  const target = await resolveTarget(options);
  // Only now is --out made (for its lock): a bad client or input leaves no folder behind.
  const lock = options.out === undefined ? undefined : await lockOutputs(outputs.dir);
  try {
    if (lock) {
      interruption.whenAborted(() => lock.releaseSync());
      await removeStaleTemporaries(outputs.dir);
    }
    // The report's views load while the first cases run, rather than before the first or after the last.
    const run = await casesOf(options, target, estimatedCases, interruption, groups, () => void loadWriters(outputs.formats));
    return await finishRun(options, target, run, outputs, estimatedCases);
  } finally {
    await lock?.release();
  }
}

/**
 * How many cases the selection holds, known before any client runs: a --case id that names no case, or
 * a selection that matches none, is one line now rather than after the suites load.
 */
async function selectedCount(options: RunOptions): Promise<number> {
  const [{ allCases, realTimeProfile, VIRTUAL_PROFILE }, { applySelection }] = await Promise.all([import('../harness/cases.js'), import('../harness/selection.js')]);
  const selection = options.selection ?? {};
  const cases = allCases(options.clientCmd ? realTimeProfile(options.retryDelayMs ?? 200) : VIRTUAL_PROFILE);
  const count = applySelection(cases, selection).length;
  const wanted = selection.cases?.[0];
  if (wanted !== undefined && !cases.some((c) => c.id === wanted)) {
    const ids = cases.map((c) => c.id);
    const near = didYouMean(wanted, ids);
    throw new OptionError(`--case: no such case '${wanted}'${near ? `; ${near.slice(2, -1)}` : ' (a report lists every case id)'}${options.clientCmd ? '; a client in another process runs no Windows-defaults case' : ''}`);
  }
  if (count === 0 && !isWholeSuite(selection)) throw new OptionError(`no case matches ${selectionFlags(selection).join(' ')}`);
  return count;
}

/** Runs the cases, or none when the client failed the hello handshake (then that is the run's error). */
async function casesOf(options: RunOptions, target: Target, estimatedCases: number, interruption: RunInterruption, groups: ReturnType<typeof clientGroupRecord>, whenCasesStart: () => void): Promise<CasesRun> {
  const selection = options.selection ?? {};
  const multiplier = options.timeoutMultiplier ?? 1;
  const [{ realTimeProfile, VIRTUAL_PROFILE }, { SUITE_NAMES, suitePath, suitesHolding }] = await Promise.all([import('../harness/cases.js'), import('../harness/suite-files.js')]);
  const profile = target.realTimeRetryDelayMs === undefined ? VIRTUAL_PROFILE : realTimeProfile(target.realTimeRetryDelayMs);
  // Only the suite files that hold a selected case are started (a replay starts one).
  const holding = isWholeSuite(selection) ? SUITE_NAMES : suitesHolding(profile, selection);
  if (target.brokenClient) {
    options.notify?.(target.brokenClient);
    const now = new Date();
    return { records: [], runErrors: [target.brokenClient], startedAt: now, finishedAt: now };
  }
  const progress = options.progress ? new ProgressReporter(options.progress, estimatedCases) : undefined;
  interruption.whenInterrupted(() => progress?.stop());
  progress?.start();
  const onlyCase = selection.cases?.length === 1 ? selection.cases[0] : undefined;
  try {
    const run = await runCases(PACKAGE_ROOT, {
      ...(holding.length === SUITE_NAMES.length ? {} : { files: holding.map(suitePath) }),
      provide: { ...target.provide, caseSelection: selection, strict: options.strict === true, interpretationsOff: options.interpretationsOff ?? [], timeoutMultiplier: multiplier },
      vitest: {
        testTimeout: Math.round(CASE_TIMEOUT_MS * multiplier),
        ...(options.bail ? { bail: 1 } : {}),
        ...target.vitest,
        // The selection already narrows each suite to the case; the name filter keeps --case exact
        // even for a suite that lists its cases some other way.
        ...(onlyCase ? { testNamePattern: new RegExp(`^${escapeRegExp(onlyCase)}$`) } : {}),
      },
      reporters: [...(progress ? [progress] : []), onFirstModuleStart(whenCasesStart)],
      interruption,
    }, groups);
    return run;
  } finally {
    progress?.stop();
  }
}

/** A reporter that calls `start` once, when the first suite file starts running its cases in a worker. */
function onFirstModuleStart(start: () => void): Reporter {
  let started = false;
  return {
    onTestModuleStart() {
      if (!started) start();
      started = true;
    },
  };
}

/** Builds the report from what ran, finishes it (expected failures, baseline, seal) and writes it. */
async function finishRun(options: RunOptions, target: Target, run: CasesRun, outputs: PreparedOutputs, estimatedCases: number): Promise<RunResult> {
  const { buildReport } = await import('../report/report.js');
  const command = options.command ?? 'npx bits-conformance run';
  const runOptions = runOptionsOf(options);
  // The replay judges its case as this run did: the recorded options go with it (--bail has nothing to stop).
  const extra = Object.entries(runOptions ?? {})
    .filter(([key]) => key !== 'selection' && key !== 'bail')
    .map(([key, value]) => ` ${flagName(key)}${value === true ? '' : ` ${shellQuote(Array.isArray(value) ? value.join(',') : String(value))}`}`)
    .join('');
  const built = buildReport({
    client: target.client,
    runId: randomUUID(),
    records: run.records,
    runErrors: run.runErrors,
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    replayCommand: (id) => `${command}${target.clientArg}${extra} --case ${shellQuote(id)}`,
    ...(runOptions ? { options: runOptions } : {}),
  });
  const finished = finishReport(built, outputs);
  const files = options.out === undefined ? {} : await writeOutputs(finished.report, outputs.dir, outputs.formats);
  // An interrupted run exits as the signal asks (130, 143); else EXIT_CODE[verdict], unless --baseline
  // gates on regressions only (publish.ts).
  const exitCode = run.interrupted ? signalExitCode(run.interrupted.signal) : outputs.baseline ? finished.exitCode : EXIT_CODE[finished.report.summary.verdict];
  return { report: finished.report, files, exitCode, notes: finished.notes, estimatedCases };
}

interface RuleRow {
  rule: string;
  level: string;
  cases: ReportCase[];
}

/** Broken rules, the one breaking the most cases first. */
export function worstRules(report: ConformanceReport): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  for (const c of report.cases) {
    if (c.verdict !== 'fail' && c.verdict !== 'warn' && c.verdict !== 'xfail') continue;
    for (const rule of new Set(c.failures.map((f) => f.rule))) {
      const row = rows.get(rule) ?? { rule, level: report.rules[rule]?.level ?? 'MUST', cases: [] };
      row.cases.push(c);
      rows.set(rule, row);
    }
  }
  const weight = (r: RuleRow): number => r.cases.filter((c) => c.verdict === 'fail').length;
  return [...rows.values()].sort((a, b) => weight(b) - weight(a) || b.cases.length - a.cases.length || a.rule.localeCompare(b.rule));
}

/** The summary a person reads at the end of a run. */
export function summaryLines(result: RunResult, options: { caseId?: string; command: string; clientArg?: string }): string[] {
  const { report } = result;
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`${report.suite.name} ${report.suite.version} against ${report.client.name} ${report.client.version}`);
  if (report.interrupted) lines.push(interruptionText(report));
  for (const error of report.runErrors ?? []) lines.push(`  run error: ${error}`);
  const rows = worstRules(report);
  if (rows.length) {
    lines.push('rules broken, worst first:');
    for (const row of rows.slice(0, 8)) {
      const example = row.cases.find((c) => c.verdict === 'fail') ?? row.cases[0]!;
      const message = example.failures.find((f) => f.rule === row.rule)?.message ?? '';
      lines.push(`  ${row.rule} (${row.level}): ${row.cases.length} case${row.cases.length === 1 ? '' : 's'}, codes ${codeRanges(row.cases.map((c) => c.status))}`);
      lines.push(`    e.g. ${example.id}: ${message}`);
    }
    if (rows.length > 8) lines.push(`  ... and ${rows.length - 8} more rule(s) (see the report)`);
  }
  const notPassing = report.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
  if (notPassing.length) {
    lines.push(notPassing.length > 5 ? `first failing cases (5 of ${notPassing.length}):` : 'failing cases:');
    for (const c of notPassing.slice(0, 5)) {
      lines.push(`  ${c.verdict.toUpperCase()} ${c.id}: ${c.failures[0] ? `[${c.failures[0].rule}] ${c.failures[0].message}` : (c.reason ?? 'no reason given')}`);
    }
  }
  if (options.caseId) for (const c of report.cases) lines.push(...replayLines(c));
  for (const note of result.notes) lines.push(note);
  if (report.options?.bail && s.total < result.estimatedCases && s.fail + s.error > 0) {
    lines.push(`stopped after the first case that did not pass (--bail): ${s.total} of about ${result.estimatedCases} cases ran`);
  }
  lines.push(`cases: ${s.total}  pass: ${s.pass}  fail: ${s.fail}  warn: ${s.warn}${s.xfail ? `  xfail: ${s.xfail}` : ''}  unsupported: ${s.unsupported}  error: ${s.error}`);
  lines.push(`verdict: ${describeVerdict(s)}  wall time: ${fmtMs(report.wallTimeMs)}`);
  const first = report.cases.find((c) => c.verdict === 'fail') ?? report.cases.find((c) => c.verdict === 'error');
  if (first && !options.caseId) lines.push(`replay one with its transcript: ${first.replay}`);
  for (const file of Object.values(result.files)) {
    const shown = relative(process.cwd(), file);
    lines.push(`report: ${shown.startsWith('..') ? file : shown}`);
  }
  // A replay leaves the full run's report where it is.
  if (options.caseId && !Object.keys(result.files).length) lines.push('no report written for a replay (--out <dir> on the command line writes one)');
  return lines;
}

/** The CLI's `run`: progress while it runs, the summary after, the exit code. */
export async function runCommand(options: RunOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const mode = progressMode(process.stderr);
  const progress = options.progress ?? (mode === 'bar' ? new BarDisplay(process.stderr) : new LineDisplay((line) => process.stderr.write(`${line}\n`)));
  const result = await runSuite({ ...options, progress, notify: options.notify ?? ((line) => console.error(`bits-conformance: ${line}`)) });
  const caseId = options.selection?.cases?.length === 1 ? options.selection.cases[0] : undefined;
  for (const line of summaryLines(result, { ...(caseId ? { caseId } : {}), command: options.command ?? 'npx bits-conformance run' })) log(line);
  return result.exitCode;
}

/** The replayed case: its transcript as JUnit and summary.md show it (one duration style, fmtMs), its states, its failures. */
function replayLines(c: ReportCase): string[] {
  const origin = c.transcript.find((e) => e.notification)?.t ?? 0;
  const at = (t: number): string => `${t - origin >= 0 ? '+' : ''}${fmtMs(t - origin)}`;
  return [
    `transcript of ${c.id} (+time from the first post to the application):`,
    ...transcriptLines(c).map((line) => `  ${line}`),
    `  states: ${(c.states ?? []).map((s) => `${s.state} ${at(s.t)}`).join(', ')}`,
    ...c.failures.map((f) => `  [${f.rule}] ${f.message}`),
    ...(c.transportNotes ?? []).map((n) => `  note: ${n}`),
  ];
}
