// A client that never gives an answer: through the command line, as a user meets it. Each run ends in
// bounded time as an `error` (exit 2) naming the client's fault, with a report of what finished.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assertReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'bits-conformance.js');

function bin(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 240_000, env: { ...process.env, CI: 'true', GITHUB_STEP_SUMMARY: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The reference client with one job method replaced. */
function clientWith(resume: string): string {
  return `import { createUploadJob } from ${JSON.stringify(join(ROOT, 'src/client/index.ts'))};
export default {
  name: 'broken resume', version: '1.0.0',
  createJob(options) {
    const job = createUploadJob(options);
    return { resume: ${resume}, suspend: () => job.suspend(), cancel: () => job.cancel(), complete: () => job.complete(), getState: () => job.getState(), getError: () => job.getError() };
  },
};
`;
}

describe('a client that never answers', () => {
  test('resume() returns a promise that never settles: the case is an error naming it, the run stops, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-hung-'));
    await writeFile(join(dir, 'never.ts'), clientWith('() => new Promise(() => {})'));
    const started = Date.now();
    const r = await bin(['run', '--client', './never.ts', '--codes', '404', '--out', 'reports', '--format', 'json'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(r.stdout).toMatch(/run error: the client hung in \S+: resume\(\) did not return within 10 s \(real time\): a promise that never settles; the run stopped there/);
    expect(r.stdout).toMatch(/^verdict: error/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const report = assertReport(JSON.parse(await readFile(join(dir, 'reports', 'conformance.json'), 'utf8')));
    expect(report.summary.verdict).toBe('error');
    expect(report.cases.find((c) => c.verdict === 'error')?.reason).toContain('resume() did not return within 10 s');
  }, 240_000);

  test('resume() never gives its thread back (a busy loop): the watchdog stops the run, exit 2, with a report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-spin-'));
    await writeFile(join(dir, 'spin.ts'), clientWith('() => { for (;;) {} }'));
    // --timeout-multiplier 0.2: a 12 s case limit, so the watchdog speaks after about 27 s of silence.
    const r = await bin(['run', '--client', './spin.ts', '--case', 'app/404/mirror/upload', '--timeout-multiplier', '0.2', '--out', 'reports', '--format', 'json'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/run error: the worker running the cases stopped answering for \d+ s( \(the last case to start was [^)]+\))?: a client that never gives control back/);
    expect(r.stdout).toMatch(/^verdict: error/m);
    const report = assertReport(JSON.parse(await readFile(join(dir, 'reports', 'conformance.json'), 'utf8')));
    expect(report).toMatchObject({ summary: { total: 0, verdict: 'error' }, runErrors: [expect.stringContaining('stopped answering')] });
  }, 240_000);
});
