// The benchmark: what the suite costs, measured against the floors it cannot go below, paired in one run.
//
//   npm run bench                              3 rounds of everything (about 15 min on 2 loaded cores)
//   npm run bench -- --runs 1 --step 4         a quick look: one round, every 4th case in the engine
//   npm run bench -- --before /tmp/before      also `npm start` side by side with another checkout
//   npm run bench:readme                       the README's speed table from reports/bench.json
//
// Each round measures, in this order:
// (a, b) the engine (runCase + judge, every case of allCases(), no vitest) for each client and route,
//        paired block by block with the same requests sent straight to getResponse on the same handlers,
//        and as native Request and Response (execution.ts, floor.ts);
// (c, e) a whole `npm start` run in a process of its own: start-up, cases and report, the size of
//        conformance.json, and the peak memory of each of its processes (cli-runs.ts, memory.ts);
// (d)    a replay of one case, the same way;
//        and with --before, `npm start` in that checkout and in this one, one after the other.
// Medians over the rounds go to reports/bench.json (atomically). Nothing here asserts a time.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { checkClient, type ClientUnderTest } from '../../src/harness/contract.js';
import { InProcessEnvironment } from '../../src/harness/environment.js';
import type { InProcessRoute } from '../../src/harness/in-process.js';
import reference from '../../src/harness/reference-client.js';
import { npmStart, timedRun, type NpmStartRun, type TimedRun } from './cli-runs.js';
import { measureExecution, type ExecutionFigures } from './execution.js';
import { medianBy, REPLAY_CASE, type BenchReport, type ExecutionMode } from './summary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const MODES: Record<ExecutionMode, { label: string; route: InProcessRoute; client: () => Promise<ClientUnderTest> }> = {
  reference: { label: 'reference client (node:http), direct route', route: 'direct', client: async () => reference },
  'reference-msw': { label: 'reference client (node:http), msw interceptor route', route: 'msw', client: async () => reference },
  plain: { label: 'plain client (fetch), direct route', route: 'direct', client: loadPlainClient },
};

async function loadPlainClient(): Promise<ClientUnderTest> {
  const checked = checkClient((await import('../../fixtures/clients/plain-client.js')).default);
  if ('problem' in checked) throw new Error(checked.problem);
  return checked.client;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function commitOf(checkout: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
  } catch {
    return checkout;
  }
}

interface Options {
  runs: number;
  step: number;
  modes: ExecutionMode[];
  before?: string;
}

function options(): Options | string {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, step: { type: 'string', default: '1' }, modes: { type: 'string', default: Object.keys(MODES).join(',') }, before: { type: 'string' } } });
  const runs = Number(values.runs);
  const step = Number(values.step);
  const modes = values.modes.split(',') as ExecutionMode[];
  const unknown = modes.filter((m) => !(m in MODES));
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(step) || step < 1 || unknown.length) {
    return `usage: npm run bench -- [--runs N] [--step N] [--modes ${Object.keys(MODES).join(',')}] [--before <checkout>]${unknown.length ? ` (unknown mode ${unknown.join(', ')})` : ''}`;
  }
  return { runs, step, modes, ...(values.before ? { before: resolve(values.before) } : {}) };
}

async function round(o: Options, i: number, rounds: { execution: Map<ExecutionMode, ExecutionFigures[]>; full: TimedRun[]; replay: TimedRun[]; side: { before: NpmStartRun; after: NpmStartRun }[] }): Promise<void> {
  for (const mode of o.modes) {
    const f = await measureExecution(await MODES[mode].client(), new InProcessEnvironment(MODES[mode].route), o.step);
    rounds.execution.get(mode)!.push(f);
    console.log(`[${i}] engine ${mode}: ${f.cases} cases, ${f.requests} requests, ${f.msPerCase.toFixed(2)} ms/case, ${f.msPerRequest.toFixed(3)} ms/request = ${f.vsGetResponse.toFixed(2)}x getResponse (${f.getResponseMsPerRequest.toFixed(3)} ms), ${f.vsNative.toFixed(1)}x native; ${JSON.stringify(f.verdicts)}; load ${load()}`);
  }
  const full = await timedRun();
  rounds.full.push(full);
  console.log(`[${i}] npm start: start-up ${s(full.startupMs)}, cases ${s(full.casesMs)}, report ${s(full.reportMs)}, total ${s(full.totalMs)}; ${full.pass}/${full.cases} pass; conformance.json ${(full.reportBytes / 1e6).toFixed(2)} MB; peak ${full.memory.processMb} MB (one process), ${full.memory.treeMb} MB (all); load ${load()}`);
  const replay = await timedRun(REPLAY_CASE);
  rounds.replay.push(replay);
  console.log(`[${i}] replay ${REPLAY_CASE}: run time ${s(replay.runTimeMs)}, total ${s(replay.totalMs)}, peak ${replay.memory.processMb} MB; load ${load()}`);
  if (!o.before) return;
  // Alternate which goes first, so neither always meets the same part of the machine's load.
  const order = i % 2 ? [o.before, ROOT] : [ROOT, o.before];
  const [first, second] = [await npmStart(order[0]!), await npmStart(order[1]!)];
  const [before, after] = first.checkout === o.before ? [first, second] : [second, first];
  rounds.side.push({ before, after });
  console.log(`[${i}] npm start side by side: before ${s(before.elapsedMs)}, after ${s(after.elapsedMs)}: ${(before.elapsedMs / after.elapsedMs).toFixed(2)}x; load ${load()}`);
}

async function main(): Promise<number> {
  const o = options();
  if (typeof o === 'string') {
    console.error(o);
    return 2;
  }
  const cpu = cpus();
  const loadAtStart = loadavg();
  console.log(`bench: ${o.runs} round(s); node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, load ${load()}`);
  const started = performance.now();
  const rounds = { execution: new Map(o.modes.map((m) => [m, [] as ExecutionFigures[]])), full: [] as TimedRun[], replay: [] as TimedRun[], side: [] as { before: NpmStartRun; after: NpmStartRun }[] };
  for (let i = 1; i <= o.runs; i++) await round(o, i, rounds);
  const report: BenchReport = {
    command: `npm run bench -- --runs ${o.runs} --step ${o.step} --modes ${o.modes.join(',')}${o.before ? ` --before ${o.before}` : ''}`,
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? null, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg() },
    seconds: (performance.now() - started) / 1000,
    execution: o.modes.map((mode) => ({ mode, label: MODES[mode].label, runs: rounds.execution.get(mode)!, median: medianBy(rounds.execution.get(mode)!) })),
    fullRun: { runs: rounds.full, median: medianBy(rounds.full) },
    replay: { caseId: REPLAY_CASE, runs: rounds.replay, median: medianBy(rounds.replay) },
    ...(o.before ? { sideBySide: { before: `${o.before} (${commitOf(o.before)})`, after: `this checkout (${commitOf(ROOT)})`, runs: rounds.side.map(({ before, after }) => ({ beforeMs: before.elapsedMs, afterMs: after.elapsedMs, faster: before.elapsedMs / after.elapsedMs, beforePeakMb: before.memory.processMb, afterPeakMb: after.memory.processMb })) } } : {}),
  };
  const out = join(ROOT, 'reports');
  await mkdir(out, { recursive: true });
  const file = join(out, 'bench.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  console.log(`bench took ${s(performance.now() - started)}; report: reports/bench.json (npm run bench:readme puts it in README.md)`);
  return 0;
}

process.exitCode = await main();
