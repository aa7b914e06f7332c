// The benchmark: how long the suite adds to a CI run, measured so anyone can re-run it.
//
//   npm run bench                                   3 runs of each mode
//   npm run bench -- --runs 5 --modes in-process    only the in-process matrix, 5 times
//
// Modes, each the whole suite (every case allCases() builds) against a client that passes it:
// - in-process: the bundled reference client under virtual time, cases run one after another through
//   runCase + judge, the engine `npm start` runs inside vitest (without vitest's own cost: about
//   0.2 ms per case and 1.2 s of start-up, measured in shared/design/architecture.md);
// - tcp: the Python example client (python3 examples/python/bits_client.py) in its own process over
//   the TCP wire server on 127.0.0.1, on the wall clock with MinimumRetryDelay 200 ms, 64 cases at a
//   time, as `npm start -- --client-cmd ...` runs it.
// After every run the floor is measured in the same process: as many bare msw getResponse() round trips
// as the run made requests, with the run's mean request body, against a handler that only answers an
// Ack. `ratio` is the run's wall time over the floor's: what the suite costs per request beyond msw's
// own dispatch. Peak memory is this process's (the Python client's own is not counted), sampled after
// every case; RSS never shrinks much, so later runs inherit earlier runs' high-water mark.
//
// Results go to reports/bench.json (atomically). Nothing here asserts a time: it is a measurement.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getResponse, HttpHandler, HttpResponse } from 'msw';
import { allCases, realTimeProfile, type ConformanceCase } from '../../src/harness/cases.js';
import type { ClientUnderTest } from '../../src/harness/contract.js';
import type { CaseEnvironment } from '../../src/harness/environment.js';
import { judge, type CaseVerdict } from '../../src/harness/judge/index.js';
import { ProcessClient } from '../../src/harness/process-client.js';
import reference from '../../src/harness/reference-client.js';
import { runCase } from '../../src/harness/run-case.js';
import { TcpEnvironment } from '../../src/harness/tcp-environment.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PYTHON_EXAMPLE = 'python3 examples/python/bits_client.py';

type Mode = 'in-process' | 'tcp';
const MODES: readonly Mode[] = ['in-process', 'tcp'];

export interface RunFigures {
  cases: number;
  requests: number;
  wallMs: number;
  msPerCase: number;
  msPerRequest: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** Bytes of request body per request, on average: the floor sends the same. */
  meanBodyBytes: number;
  floorMs: number;
  floorMsPerRequest: number;
  /** wallMs / floorMs */
  ratio: number;
  verdicts: Partial<Record<CaseVerdict, number>>;
  /** Cases that did not pass (at most 10): on the wall clock a loaded machine can fail a timing. */
  notPassing: string[];
}

class MemoryPeak {
  rss = 0;
  heap = 0;
  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
  }
}

interface Totals {
  requests: number;
  bodyBytes: number;
  verdicts: Partial<Record<CaseVerdict, number>>;
  notPassing: string[];
}

async function runOne(c: ConformanceCase, client: ClientUnderTest, environment: CaseEnvironment | undefined, totals: Totals, memory: MemoryPeak): Promise<void> {
  const observation = await runCase(c, client, environment);
  const { verdict } = judge(c, observation);
  totals.requests += observation.ledger.length;
  totals.bodyBytes += observation.ledger.reduce((n, e) => n + e.bodyLength, 0);
  totals.verdicts[verdict] = (totals.verdicts[verdict] ?? 0) + 1;
  if (verdict !== 'pass' && totals.notPassing.length < 10) totals.notPassing.push(`${c.id}: ${verdict}`);
  memory.sample();
}

/** Runs `cases` with at most `concurrency` at a time (the wall clock allows it; virtual time does not). */
async function pool(cases: readonly ConformanceCase[], concurrency: number, each: (c: ConformanceCase) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) await each(cases[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
}

/** `count` bare getResponse() round trips against a handler that reads the body and answers an Ack. */
export async function measureFloor(count: number, bodyBytes: number): Promise<number> {
  const origin = 'http://floor.bits.test';
  const handlers = [
    new HttpHandler(/^BITS_POST$/, `${origin}/*`, async ({ request }) => {
      await request.arrayBuffer();
      return new HttpResponse(null, { status: 200, headers: { 'BITS-Packet-Type': 'Ack', 'Content-Length': '0' } });
    }),
  ];
  const body = new Uint8Array(bodyBytes);
  const once = async (): Promise<void> => {
    const request = new Request(`${origin}/upload/case.bin`, { method: 'BITS_POST', headers: { 'BITS-Packet-Type': 'Fragment' }, ...(bodyBytes ? { body } : {}) });
    const response = await getResponse(handlers, request);
    await response?.arrayBuffer();
  };
  for (let i = 0; i < 200; i++) await once(); // warm-up: JIT and msw's first-call set-up
  const started = performance.now();
  for (let i = 0; i < count; i++) await once();
  return performance.now() - started;
}

async function measure(mode: Mode, options: { retryDelayMs: number; concurrency: number }): Promise<RunFigures> {
  (globalThis as { gc?: () => void }).gc?.(); // a fair start for the heap peak, when --expose-gc is on
  const memory = new MemoryPeak();
  const totals: Totals = { requests: 0, bodyBytes: 0, verdicts: {}, notPassing: [] };
  let cases: ConformanceCase[];
  let wallMs: number;
  if (mode === 'in-process') {
    cases = allCases();
    const started = performance.now();
    for (const c of cases) await runOne(c, reference, undefined, totals, memory);
    wallMs = performance.now() - started;
  } else {
    cases = allCases(realTimeProfile(options.retryDelayMs));
    const environment = await new TcpEnvironment().start();
    const client = await ProcessClient.start(PYTHON_EXAMPLE, { cwd: ROOT });
    const sampler = setInterval(() => memory.sample(), 100);
    try {
      const started = performance.now();
      await pool(cases, options.concurrency, (c) => runOne(c, client, environment, totals, memory));
      wallMs = performance.now() - started;
    } finally {
      clearInterval(sampler);
      await client.close();
      await environment.close();
    }
  }
  const meanBodyBytes = Math.round(totals.bodyBytes / Math.max(1, totals.requests));
  const floorMs = await measureFloor(totals.requests, meanBodyBytes);
  return {
    cases: cases.length,
    requests: totals.requests,
    wallMs,
    msPerCase: wallMs / cases.length,
    msPerRequest: wallMs / totals.requests,
    peakRssMb: memory.rss / 2 ** 20,
    peakHeapMb: memory.heap / 2 ** 20,
    meanBodyBytes,
    floorMs,
    floorMsPerRequest: floorMs / totals.requests,
    ratio: wallMs / floorMs,
    verdicts: totals.verdicts,
    notPassing: totals.notPassing,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of every figure over the runs; the verdicts are summed over all of them. */
export function medianOf(runs: RunFigures[]): RunFigures {
  const pick = (k: Exclude<keyof RunFigures, 'verdicts' | 'notPassing'>) => median(runs.map((r) => r[k]));
  const verdicts: Partial<Record<CaseVerdict, number>> = {};
  for (const r of runs) for (const [v, n] of Object.entries(r.verdicts) as [CaseVerdict, number][]) verdicts[v] = (verdicts[v] ?? 0) + n;
  return {
    cases: pick('cases'),
    requests: pick('requests'),
    wallMs: pick('wallMs'),
    msPerCase: pick('msPerCase'),
    msPerRequest: pick('msPerRequest'),
    peakRssMb: pick('peakRssMb'),
    peakHeapMb: pick('peakHeapMb'),
    meanBodyBytes: pick('meanBodyBytes'),
    floorMs: pick('floorMs'),
    floorMsPerRequest: pick('floorMsPerRequest'),
    ratio: pick('ratio'),
    verdicts,
    notPassing: runs.flatMap((r) => r.notPassing),
  };
}

const COLUMNS = ['mode', 'run', 'cases', 'requests', 'wall', 'per case', 'per request', 'peak RSS', 'peak heap', 'floor', 'floor/request', 'ratio', 'verdicts'];
const WIDTHS = [11, 6, 6, 9, 9, 9, 12, 9, 10, 8, 14, 7, 0];

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const msOf = (ms: number, digits = 2): string => `${ms.toFixed(digits)} ms`;

export function formatRow(mode: string, run: string, f: RunFigures): string {
  const verdicts = Object.entries(f.verdicts).map(([v, n]) => `${v} ${n}`).join(', ');
  const cells = [mode, run, String(f.cases), String(Math.round(f.requests)), secs(f.wallMs), msOf(f.msPerCase), msOf(f.msPerRequest, 3), `${Math.round(f.peakRssMb)} MB`, `${Math.round(f.peakHeapMb)} MB`, secs(f.floorMs), msOf(f.floorMsPerRequest, 3), `${f.ratio.toFixed(1)}x`, verdicts];
  return cells.map((c, i) => (i < 2 ? c.padEnd(WIDTHS[i]!) : i === cells.length - 1 ? c : c.padStart(WIDTHS[i]!))).join(' ');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      modes: { type: 'string', default: MODES.join(',') },
      'retry-delay-ms': { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '64' },
    },
  });
  const runs = Number(values.runs);
  const modes = values.modes.split(',') as Mode[];
  const retryDelayMs = Number(values['retry-delay-ms']);
  const concurrency = Number(values.concurrency);
  const bad = modes.filter((m) => !MODES.includes(m));
  if (!Number.isInteger(runs) || runs < 1 || bad.length || !(retryDelayMs > 0) || !(concurrency >= 1)) {
    console.error(`usage: npm run bench -- [--runs N] [--modes ${MODES.join(',')}] [--retry-delay-ms MS] [--concurrency N]${bad.length ? ` (unknown mode ${bad.join(', ')})` : ''}`);
    return 2;
  }
  const cpu = cpus();
  console.log(`bench: ${runs} run(s) of ${modes.join(', ')}; node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(COLUMNS.map((c, i) => (i < 2 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join(' '));
  const started = performance.now();
  const results: { mode: Mode; client: string; runs: RunFigures[]; median: RunFigures }[] = [];
  for (const mode of modes) {
    const figures: RunFigures[] = [];
    for (let i = 1; i <= runs; i++) {
      const f = await measure(mode, { retryDelayMs, concurrency });
      figures.push(f);
      console.log(formatRow(mode, String(i), f));
      if (f.notPassing.length) console.log(`            not passing: ${f.notPassing.join('; ')}`);
    }
    const mid = medianOf(figures);
    console.log(formatRow(mode, 'median', mid) + (runs > 1 ? '  (verdicts over all runs)' : ''));
    results.push({ mode, client: mode === 'in-process' ? `${reference.name} (virtual time)` : `${PYTHON_EXAMPLE} (TCP, MinimumRetryDelay ${retryDelayMs} ms, ${concurrency} at a time)`, runs: figures, median: mid });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`bench took ${totalSeconds.toFixed(0)} s; process peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);

  const out = join(ROOT, 'reports');
  await mkdir(out, { recursive: true });
  const report = {
    command: `npm run bench -- --runs ${runs} --modes ${modes.join(',')}`,
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? null, loadAverageAtStart: loadavg() },
    seconds: totalSeconds,
    modes: results,
  };
  const file = join(out, 'bench.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  console.log(`report: reports/bench.json`);
  return 0;
}

process.exitCode = await main();
