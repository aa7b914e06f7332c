// Clients in another language, over real TCP, through the command line as a user runs it.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assertReport, type ConformanceReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const PYTHON_EXAMPLE = 'python3 examples/python/bits_client.py';

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 600_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; report: ConformanceReport }> {
  const out = await mkdtemp(join(tmpdir(), 'bits-process-'));
  const result = await cli('run', ...args, '--out', out, '--format', 'json');
  return { ...result, report: assertReport(JSON.parse(await readFile(join(out, 'conformance.json'), 'utf8'))) };
}

function leftovers(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', pattern]).toString().trim().split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

describe('a client in another language over TCP', () => {
  // Short states (a TRANSIENT_ERROR held for a few milliseconds at a 40 ms retry delay) must reach the
  // judge: every pushed event is kept in order. Five whole runs in a row, so a lost state cannot hide.
  test('a correct client that pushes events passes every case at --retry-delay-ms 40, five runs in a row', async () => {
    const failing: string[] = [];
    for (let round = 1; round <= 5; round++) {
      const { report } = await run('--client-cmd', PYTHON_EXAMPLE, '--retry-delay-ms', '40');
      expect(report.summary.total, `round ${round}`).toBe(2037);
      for (const c of report.cases.filter((x) => x.verdict !== 'pass')) failing.push(`round ${round}: ${c.id} ${c.verdict}: ${c.failures.map((f) => `[${f.rule}] ${f.message}`).join('; ') || c.reason}`);
    }
    expect(failing).toEqual([]);
    expect(leftovers('bits_client.py')).toEqual([]);
  }, 900_000);

  test('the Python example passes the whole 100-599 matrix and the protocol scenarios', async () => {
    const { code, stdout, report } = await run('--client-cmd', PYTHON_EXAMPLE);
    expect(report.summary).toMatchObject({ pass: report.summary.total, verdict: 'conformant' });
    expect(report.summary.total).toBe(2037); // 2000 matrix cases, 7 persistent failures (no 14-day case on the wall clock), 30 scenarios
    expect(report.client).toMatchObject({ name: 'bits-conformance python example', transport: 'process' });
    expect(report.cases.find((c) => c.id === 'app/403/mirror/upload')?.timing).toEqual({ minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000, toleranceMs: 50 });
    expect(code, stdout).toBe(0);
    expect(leftovers('bits_client.py')).toEqual([]);
  }, 600_000);

  test('a broken variant of it (429 retried) is caught with APP-4XX', async () => {
    const { code, report } = await run('--client-cmd', 'python3 fixtures/clients/python/retries_429.py', '--case', 'app/429/mirror/upload');
    expect(code).toBe(1);
    expect(report.cases[0]!.failures.map((f) => f.rule)).toContain('APP-4XX');
    expect(report.cases[0]!.replay).toContain("--client-cmd 'python3 fixtures/clients/python/retries_429.py' --case app/429/mirror/upload");
  }, 120_000);

  test('a client that crashes gets an error verdict with its stderr, the run ends with exit 2, nothing is left running', async () => {
    const { code, stdout, report } = await run('--client-cmd', 'node fixtures/process-clients/misbehaving.mjs crash', '--case', 'app/404/mirror/upload');
    expect(code).toBe(2);
    expect(stdout).toContain('run error: the client process exited (code 3)');
    expect(report.summary.verdict).toBe('error');
    expect(report.cases[0]).toMatchObject({ verdict: 'error' });
    expect(report.cases[0]!.reason).toContain('simulated crash in resume');
    expect(leftovers('misbehaving.mjs crash')).toEqual([]);
  }, 120_000);

  test('a client that hangs gets an error verdict naming the command, and exit 2', async () => {
    const { code, report } = await run('--client-cmd', 'node fixtures/process-clients/misbehaving.mjs hang', '--case', 'app/404/mirror/upload');
    expect(code).toBe(2);
    expect(report.cases[0]!.reason).toContain('the client did not answer `resume` within 5000 ms');
    expect(leftovers('misbehaving.mjs hang')).toEqual([]);
  }, 120_000);

  test('a client that fails the handshake is one clear line, exit 2, and a report with that run error', async () => {
    const result = await run('--client-cmd', 'node fixtures/process-clients/misbehaving.mjs bad-hello');
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/failed the hello handshake: .*must have required property 'version'/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.report).toMatchObject({ summary: { total: 0, verdict: 'error' }, runErrors: [expect.stringMatching(/failed the hello handshake/)] });
  }, 60_000);

  test('a client writing a line that never ends during the handshake: one clear line, exit 2, a report, nothing left running', async () => {
    const result = await run('--client-cmd', 'node fixtures/process-clients/misbehaving.mjs endless-hello');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bits-conformance: client command .* failed the hello handshake: the client wrote a line longer than 1048576 characters \(1 MiB\) without a newline: that breaks the protocol$/)]);
    expect(result.report.summary.verdict).toBe('error');
    expect(leftovers('misbehaving.mjs endless-hello')).toEqual([]);
  }, 60_000);

  test('the same during the cases: the case is an error, the run exits 2 with its report', async () => {
    const result = await run('--client-cmd', 'node fixtures/process-clients/misbehaving.mjs endless-state', '--case', 'app/404/mirror/upload');
    expect(result.code).toBe(2);
    expect(result.report.cases[0]).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/longer than 1048576 characters/) });
    expect(result.report.summary.verdict).toBe('error');
    expect(leftovers('misbehaving.mjs endless-state')).toEqual([]);
  }, 120_000);
});
