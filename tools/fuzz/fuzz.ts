// npm run fuzz: the long run. Starts the real `bits-conformance serve` as a child process and throws
// fuzzed connections at it (tools/fuzz/inputs.ts) until it has answered the asked number of requests
// (100,000 by default), many at a time. Reports requests answered, connections, crashes (the server
// process died), hangs (a connection neither answered nor closed in time) and the server's peak RSS
// (VmHWM, read from the kernel), to the terminal and reports/fuzz.json. Exit 1 on any crash or hang.
//
//   npm run fuzz                          100,000 requests, 64 connections at a time
//   npm run fuzz -- --requests 20000 --concurrency 32 --seed 7
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { exchange } from '../../src/wire/test-support.js';
import { connection, splitAt } from './inputs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Past serve's own head timeout (10 s): a connection still open after this is a hang. */
const BOUND_MS = 15_000;

interface Server {
  pid: number;
  port: number;
  exited: () => string | undefined;
  stop: () => void;
}

/** `serve` on a free port, in its own process: its death is a crash, its VmHWM its peak RSS. */
async function startServe(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let exit: string | undefined;
  child.on('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  child.stderr.resume();
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /BITS server on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`serve exited before listening: ${text.trim()}`)));
  });
  child.stdout.resume();
  return { pid: child.pid!, port, exited: () => exit, stop: () => child.kill('SIGTERM') };
}

function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** Answers in what the server wrote back: one status line each. */
const answersIn = (text: string): number => (text.match(/^HTTP\/1\.1 \d{3} /gm) ?? []).length;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '64' }, seed: { type: 'string', default: '20261201' } } });
  const target = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const server = await startServe();
  const started = performance.now();
  let requests = 0;
  let connections = 0;
  const hangs: string[] = [];
  let peak = 0;
  const inputs = fc.sample(connection, { numRuns: 1_000, seed: Number(values.seed) });
  const worker = async (w: number): Promise<void> => {
    for (let i = w; requests < target && !server.exited() && hangs.length < 10; i += concurrency) {
      const c = inputs[i % inputs.length]!;
      // Every connection ends its side after writing: whatever came before, end of input must be answered
      // or closed at once. (Connections left open are the property test's, against a short idle timeout.)
      const r = await exchange(server.port, c.bytes.length === 0 ? [] : splitAt(c.bytes, c.splits), { end: true, timeoutMs: BOUND_MS });
      connections += 1;
      requests += answersIn(r.text);
      if (r.timedOut) hangs.push(JSON.stringify(c.bytes.subarray(0, 120).toString('latin1')));
      if (connections % 500 === 0) peak = Math.max(peak, peakRssMb(server.pid) ?? 0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  peak = Math.max(peak, peakRssMb(server.pid) ?? 0);
  const crash = server.exited();
  server.stop();
  const seconds = (performance.now() - started) / 1000;
  const result = { requests, connections, crashes: crash ? 1 : 0, crash: crash ?? null, hangs: hangs.length, hangExamples: hangs.slice(0, 3), peakRssMb: peak, seconds: Math.round(seconds), seed: Number(values.seed) };
  console.log(`fuzz: ${requests} requests answered over ${connections} connections in ${seconds.toFixed(0)} s; crashes ${result.crashes}${crash ? ` (${crash})` : ''}; hangs ${hangs.length}; serve's peak RSS ${peak} MB`);
  for (const h of result.hangExamples) console.log(`  hung on ${h}`);
  await mkdir(join(ROOT, 'reports'), { recursive: true });
  await writeFile(join(ROOT, 'reports', 'fuzz.json'), `${JSON.stringify(result, null, 2)}\n`);
  return crash || hangs.length ? 1 : 0;
}

process.exitCode = await main();
