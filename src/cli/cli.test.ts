// The command line as a user runs it: a real child process, its exit code, its output, its report.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assertReport, type ConformanceReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliAs({}, ...args);
}

/** As cli(), as another user when given (uid/gid: root passes every permission check). */
function cliAs(user: { uid?: number; gid?: number }, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 120_000, ...user }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function reportIn(dir: string): Promise<ConformanceReport> {
  return assertReport(JSON.parse(await readFile(join(dir, 'conformance.json'), 'utf8')));
}

describe('bits-conformance run', () => {
  test('a broken client fails with exit 1, the rule ID, a transcript and a valid report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bits-cli-'));
    const r = await cli('run', '--client', 'fixtures/clients/zoo/reports-context-5.ts', '--case', 'app/404/mirror/upload', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL app/404/mirror/upload: [APP-CONTEXT] expected context 7');
    expect(r.stdout).toMatch(/#3 \+0 ms Fragment bytes 0-5999\/6000 => 404 code 0x80190194 context 7/);
    expect(r.stdout).toMatch(/verdict: non-conformant \(a partial run: a selection of the cases: --case app\/404\/mirror\/upload\) {2}wall time: ((\d+ min )?[\d.]+ s|\d+ ms)/); // under a second on a quiet machine
    const report = await reportIn(out);
    expect(report.summary).toMatchObject({ total: 1, fail: 1, verdict: 'non-conformant' });
    expect(report.cases[0]!.failures[0]!.rule).toBe('APP-CONTEXT');
    expect(report.cases[0]!.replay).toBe("npm start -- --client fixtures/clients/zoo/reports-context-5.ts --case app/404/mirror/upload");
  });

  test('the reference client passes a replayed case with exit 0', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bits-cli-'));
    const r = await cli('run', '--case', 'app/403/alt-header/upload-reply', '--out', out);
    expect(r.code).toBe(0);
    expect((await reportIn(out)).summary).toMatchObject({ total: 1, pass: 1, verdict: 'partial', partial: [{ reason: 'selection' }] });
  });

  test('a client that throws inside jobs gets error verdicts and exit 2, with the report written', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bits-cli-'));
    const r = await cli('run', '--client', 'fixtures/clients/throws-every-other-job.ts', '--case', 'app/503/mirror/upload', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('verdict: error');
    expect((await reportIn(out)).summary).toMatchObject({ total: 1 });
  });

  test.for([
    { args: ['--client', 'fixtures/clients/no-default-export.ts'], says: 'default export lacks `createJob(options)`' },
    { args: ['--client', 'fixtures/clients/missing.ts'], says: 'client module not found: ' },
    { args: ['--no-such-flag'], says: "Unknown option '--no-such-flag'" },
    { args: ['publish'], says: "unexpected argument 'publish'" },
    { args: ['--case', 'app/600/mirror/upload'], says: "--case: no such case 'app/600/mirror/upload'; did you mean app/100/mirror/upload?" },
  ])('bad input $args: one clear line, exit 2, no stack trace, no report', async ({ args, says }) => {
    const out = await mkdtemp(join(tmpdir(), 'bits-cli-'));
    const r = await cli('run', ...args, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(says);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await readdir(out)).toEqual([]);
  });
});

describe('--out is checked before any client or case runs', () => {
  test('a file, a missing parent or a folder that cannot be written: one line, exit 2, nothing created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-out-'));
    await writeFile(join(dir, 'a-file'), 'not a folder');
    for (const [out, says] of [
      [join(dir, 'a-file'), `--out ${join(dir, 'a-file')} is a file, not a folder`],
      [join(dir, 'a-file', 'sub'), `${join(dir, 'a-file')} is a file, not a folder`],
      [join(dir, 'no-such-parent', 'reports'), `its parent folder ${join(dir, 'no-such-parent')} does not exist`],
    ]) {
      const r = await cli('run', '--codes', '404', '--out', out!);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(says!)]);
    }
    // Read-only for the user who runs it: root passes every permission check, so root runs it as nobody.
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly);
    await chmod(dir, 0o755);
    await chmod(readOnly, 0o555);
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await cliAs(user, 'run', '--codes', '404', '--out', join(readOnly, 'reports'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`bits-conformance: --out ${join(readOnly, 'reports')}: cannot write into ${readOnly} (permission denied)`]);
    expect((await readdir(dir)).sort()).toEqual(['a-file', 'read-only']);
    expect(await readdir(readOnly)).toEqual([]);
  });
});
