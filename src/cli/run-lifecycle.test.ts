// How a run ends, with the command line as a real child process: normally, by SIGINT, by SIGTERM, or
// with its vitest worker killed. Whatever the way, no client process survives it (counted in the process
// table afterwards), and a signal leaves a report of the cases that finished, marked interrupted.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { assertReport, type ConformanceReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
// Runs that get a signal start as a user starts them: the package's bin, one process. tsx's own command
// line is two: it relays a signal to its child and, if the child has not said it got it within 30 ms,
// kills it with SIGKILL, so a run whose event loop was busy at that moment lost its report under load.
const BIN = join(ROOT, 'bin', 'bits-conformance.js');
const CASE = 'app/404/mirror/upload';

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

/** The run's conformance.json; if there is none, the failure says how the run ended. */
async function reportText(out: string, ended: { code: number | null; stderr: string }): Promise<string> {
  try {
    return await readFile(join(out, 'conformance.json'), 'utf8');
  } catch {
    throw new Error(`no report in ${out}: the run exited with ${ended.code}; its stderr ended:\n${ended.stderr.slice(-2000)}`);
  }
}

async function until(condition: () => boolean, what: string, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pids of the processes whose command line holds `marker` (a folder made for one run). */
function processesWith(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** The process tree under `pid`, with command lines (ps, the process table as it is now). */
function descendants(pid: number): { pid: number; args: string }[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args=']).toString().trim().split('\n').map((line) => {
    const [, p, pp, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!;
    return { pid: Number(p), ppid: Number(pp), args: args! };
  });
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number): void => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

// Survivors of a failing test are ended here, by pid, so they do not outlive the test run either.
const markers: string[] = [];
afterAll(() => {
  for (const marker of markers) {
    for (const pid of processesWith(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

type Ending = 'normal end' | 'SIGINT' | 'SIGTERM' | 'worker killed';

async function runToEnd(mode: 'ignores-shutdown' | 'spawns-children', ending: Ending): Promise<{ code: number | null; survivors: number; report: ConformanceReport; clientsSeen: number }> {
  const folder = await mkdtemp(join(tmpdir(), `bits-lingering-${mode}-`));
  markers.push(folder);
  const out = join(folder, 'out');
  const args = ['run', '--client-cmd', `node fixtures/process-clients/lingering.mjs ${mode} ${folder}`, '--out', out, '--format', 'json'];
  // A normal end runs one case; a signal or a crash needs a run still going when it comes.
  const run = start([...args, ...(ending === 'normal end' ? ['--case', CASE] : ['--codes', '400-499'])]);
  let clientsSeen = 0;
  if (ending !== 'normal end') {
    await until(() => existsSync(join(folder, 'running')), 'the cases to start');
    // Less the command line's own processes, whose arguments name the folder too.
    clientsSeen = processesWith(folder).filter((pid) => !descendants(process.pid).some((p) => p.pid === pid && p.args.includes(BIN))).length;
    if (ending === 'worker killed') {
      const workers = descendants(run.child.pid!).filter((p) => p.args.includes('vitest/dist/workers/forks.js'));
      expect(workers).toHaveLength(1);
      process.kill(workers[0]!.pid, 'SIGKILL');
    } else {
      run.child.kill(ending);
    }
  }
  const ended = await run.exited;
  await new Promise((r) => setTimeout(r, 500)); // a process killed a moment ago may still be reaped
  const survivors = processesWith(folder).length;
  return { code: ended.code, survivors, clientsSeen, report: assertReport(JSON.parse(await reportText(out, ended))) };
}

describe('no client process outlives a run', () => {
  for (const ending of ['normal end', 'SIGINT', 'SIGTERM', 'worker killed'] as const) {
    describe.concurrent(ending, () => {
      test.for(['ignores-shutdown', 'spawns-children'] as const)('a client that %s', { timeout: 240_000 }, async (mode) => {
        const { code, survivors, clientsSeen, report } = await runToEnd(mode, ending);
        if (ending !== 'normal end') expect(clientsSeen).toBeGreaterThanOrEqual(mode === 'spawns-children' ? 5 : 3); // the shell, the client, its children or host
        expect(survivors).toBe(0);
        const expected = { 'normal end': [0, 'partial'], SIGINT: [130, 'interrupted'], SIGTERM: [143, 'interrupted'], 'worker killed': [2, 'error'] } as const;
        expect([code, report.summary.verdict], `run errors: ${JSON.stringify(report.runErrors ?? [])}`).toEqual(expected[ending]);
      });
    });
  }
});

describe('a signal keeps the cases that finished', () => {
  // The in-process reference client over the whole matrix: a run long enough to stop in the middle.
  // A progress line (every 10 s without a terminal) says cases have finished: then the signal comes.
  async function interrupted(signal: 'SIGINT' | 'SIGTERM') {
    const out = await mkdtemp(join(tmpdir(), 'bits-interrupted-'));
    const run = start(['run', '--out', out], { CI: '1' });
    // Progress goes to stderr (stdout keeps the results).
    let stderr = '';
    run.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => /^progress: \d+\//m.test(stderr), 'a progress line');
    const doneBefore = Number(/^progress: (\d+)\//m.exec(stderr)![1]);
    run.child.kill(signal);
    const result = await run.exited;
    const text = await reportText(out, result);
    return { ...result, out, doneBefore, text, report: assertReport(JSON.parse(text)) };
  }

  test.concurrent('SIGINT: exit 130, and every view says interrupted, none says conformant', async () => {
    const { code, stdout, stderr, out, doneBefore, text, report } = await interrupted('SIGINT');
    expect(code).toBe(130);
    expect(stdout).not.toMatch(/^progress: /m);
    // The first line with a time left comes after enough cases to measure a rate: never hours for this run.
    expect(stderr).not.toMatch(/^progress: .* about \d+ h/m);
    expect(stderr).toMatch(/^bits-conformance: interrupted by SIGINT: stopping; the report will hold the cases that finished/m);
    expect(report.interrupted?.signal).toBe('SIGINT');
    expect(report.summary.verdict).toBe('interrupted');
    expect(report.summary.total).toBeGreaterThanOrEqual(doneBefore);
    expect(report.summary.total).toBeLessThan(2037);
    expect(report.summary.pass).toBe(report.summary.total); // the reference client: what finished passed, yet the run is not conformant
    expect(stdout).toMatch(new RegExp(`^interrupted by SIGINT at .*: this report holds only the ${report.summary.total} cases? that had finished`, 'm'));
    expect(stdout).toMatch(/^verdict: interrupted \(a partial run: no conformance verdict\)/m);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    const html = await readFile(join(out, 'conformance.html'), 'utf8');
    expect(junit).toMatch(/<testcase name="run interrupted" classname="bits.run">\s*<error message="interrupted by SIGINT/);
    expect(junit).toContain('name="verdict" value="interrupted (a partial run: no conformance verdict)"');
    expect(summary).toMatch(/^## BITS conformance: ⏹️ interrupted/);
    expect(html).toContain('<p class="verdict r-interrupted">interrupted (a partial run: no conformance verdict)</p>');
    // The page's stylesheet names every verdict's colour (.r-conformant): the page's words are checked.
    const page = html.replace(/<style>[\s\S]*?<\/style>/, '');
    for (const view of [text, junit, summary, page, stdout]) expect(view).not.toMatch(/\bconformant\b/);
    const verify = execFileSync(TSX, ['src/cli/main.ts', 'verify', join(out, 'conformance.json')], { cwd: ROOT }).toString();
    expect(verify).toMatch(/: interrupted \(a partial run: no conformance verdict\)$/m);
    for (const name of ['junit.xml', 'summary.md', 'conformance.html']) expect(await readFile(join(out, name), 'utf8')).toContain(report.runId!);
  }, 300_000);

  test.concurrent('SIGTERM: exit 143, the report written', async () => {
    const { code, report } = await interrupted('SIGTERM');
    expect(code).toBe(143);
    expect(report).toMatchObject({ interrupted: { signal: 'SIGTERM' }, summary: { verdict: 'interrupted' } });
    expect(report.summary.total).toBeGreaterThan(0);
  }, 300_000);
});

describe('one run at a time per --out', () => {
  test('what a run killed with SIGKILL left (its lock, its temporaries) does not stop the next; the new set has one run id', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bits-killed-'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid; // a process that has exited: the killed run
    await writeFile(join(out, '.bits-conformance.lock'), `${JSON.stringify({ pid: gone, host: hostname(), since: '2026-01-02T03:04:05.000Z' })}\n`);
    await writeFile(join(out, `.conformance.json.${gone}.0badc0de.tmp`), '{"half": ');
    await writeFile(join(out, `.junit.xml.${gone}.12345678.tmp`), '<testsu');
    const run = start(['run', '--case', CASE, '--out', out]);
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['conformance.html', 'conformance.json', 'junit.xml', 'summary.md']);
    const { runId } = assertReport(JSON.parse(await readFile(join(out, 'conformance.json'), 'utf8')));
    for (const name of ['junit.xml', 'summary.md', 'conformance.html']) expect(await readFile(join(out, name), 'utf8')).toContain(runId!);
  }, 180_000);

  test('a second run into the same folder is refused with one line and exit 2; the first finishes', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bits-lock-'));
    const first = start(['run', '--codes', '400-449', '--relay', 'mirror', '--out', out, '--format', 'json']);
    await until(() => existsSync(join(out, '.bits-conformance.lock')), 'the first run to take the lock');
    const second = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(TSX, ['src/cli/main.ts', 'run', '--case', CASE, '--out', out], { cwd: ROOT }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`^bits-conformance: another run \\(pid \\d+, since .*\\) is writing reports into ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; wait for it or give another --out`));
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    const { code } = await first.exited;
    expect(code).toBe(0);
    expect(existsSync(join(out, '.bits-conformance.lock'))).toBe(false);
  }, 300_000);
});
