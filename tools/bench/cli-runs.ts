// Whole runs of the command line, each in a process of its own with its memory sampled (memory.ts):
// - a full run and a one-case replay through timed-run.ts, which splits the wall time;
// - `npm start` itself, here and in another checkout (the code before a change), for a side-by-side.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchTree, type TreePeak } from './memory.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TimedRun {
  startupMs: number;
  casesMs: number;
  reportMs: number;
  totalMs: number;
  /** The report's wallTimeMs: from starting vitest to its end. */
  runTimeMs: number;
  cases: number;
  verdict: string;
  pass: number;
  reportBytes: number;
  exitCode: number;
  memory: TreePeak;
}

export interface NpmStartRun {
  checkout: string;
  elapsedMs: number;
  exitCode: number | null;
  memory: TreePeak;
}

/** Runs a command to its end, sampling its process tree; resolves with its stdout. */
function watched(command: string, args: string[], cwd: string): Promise<{ stdout: string; code: number | null; ms: number; memory: TreePeak }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const memory = watchTree(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const peak = memory.stop();
      if (code !== 0 && code !== 1) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
      else resolve({ stdout, code, ms: performance.now() - started, memory: peak });
    });
  });
}

async function inTemporaryDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bits-bench-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A full run (no case id) or a replay of one case, as `npm start` runs it, timed from inside. */
export function timedRun(caseId?: string): Promise<TimedRun> {
  return inTemporaryDir(async (dir) => {
    const args = ['--import', 'vitest/node', '--import', 'tsx', 'tools/bench/timed-run.ts', join(dir, 'out'), ...(caseId ? [caseId] : [])];
    const { stdout, memory } = await watched(process.execPath, args, ROOT);
    const line = stdout.trim().split('\n').at(-1) ?? '';
    return { ...(JSON.parse(line) as Omit<TimedRun, 'memory'>), memory };
  });
}

/** `npm start -- --out <temporary>` in `checkout`: the same command on both sides of a comparison. */
export function npmStart(checkout: string): Promise<NpmStartRun> {
  return inTemporaryDir(async (dir) => {
    const { code, ms, memory } = await watched('npm', ['start', '--', '--out', join(dir, 'out')], checkout);
    return { checkout, elapsedMs: ms, exitCode: code, memory };
  });
}
