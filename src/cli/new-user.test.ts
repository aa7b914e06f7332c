// The first ten minutes of a new user, for real: an empty project, `npm i -D <this package>`,
// `npx bits-conformance init`, then `npx bits-conformance run --client ./client.ts`. The package is
// installed from this folder (npm links it, offline); what a published tarball holds is checked
// against package.json `files` with `npm pack --dry-run`.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assertReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CI: 'true', GITHUB_STEP_SUMMARY: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    execFile(command, args, { cwd, env, timeout: 180_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('a new user', () => {
  test('npm i -D, npx bits-conformance init, npx bits-conformance run --client ./client.ts: exit 0; runConformance() from a script; a client that checks nothing: exit 3', async () => {
    const project = await mkdtemp(join(tmpdir(), 'bits-new-user-'));
    // What `npm init -y` writes today: a CommonJS package, the harder case for a client.ts.
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'my-bits-client', version: '1.0.0', private: true, type: 'commonjs' }, null, 2));
    const install = await run('npm', ['install', '--save-dev', '--offline', ROOT], project);
    expect(install.code, install.stderr).toBe(0);
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(pkg.devDependencies)).toEqual(['bits-conformance']);

    const init = await run('npx', ['bits-conformance', 'init'], project);
    expect(init.code, init.stderr).toBe(0);
    expect((await readdir(project)).sort()).toEqual(expect.arrayContaining(['bits-conformance.config.json', 'client.ts']));

    // A few codes keep this to one vitest start; the whole matrix is `npm start` and the conformance project.
    const first = await run('npx', ['bits-conformance', 'run', '--client', './client.ts', '--codes', '402,405-407'], project);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('against my-bits-client 0.0.0');
    expect(first.stdout).toMatch(/^cases: (\d+) {2}pass: \1 {2}fail: 0/m);
    expect(first.stdout).toMatch(/^verdict: partial: no failure in the \d+ cases that ran, not a conformance verdict \(a selection of the cases: --codes 402,405-407\) {2}wall time/m);
    expect(first.stdout).not.toMatch(CONTROL);
    expect((await readdir(join(project, 'reports'))).sort()).toEqual(['conformance.html', 'conformance.json', 'junit.xml', 'summary.md']);
    const report = assertReport(JSON.parse(await readFile(join(project, 'reports', 'conformance.json'), 'utf8')));
    expect(report.client).toMatchObject({ name: 'my-bits-client', transport: 'in-process', module: 'client.ts' }); // relative to the project: no path of the machine

    // The same from a script: runConformance() from the package, the report object back, nothing printed.
    await writeFile(join(project, 'check.mts'), `import { runConformance } from 'bits-conformance';
const report = await runConformance({ client: './client.ts', codes: ['402'], relay: ['mirror'] });
console.log(JSON.stringify({ verdict: report.summary.verdict, total: report.summary.total, ids: report.cases.map((c) => c.id) }));
`);
    const api = await run(process.execPath, ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, 'check.mts'], project);
    expect(api.code, api.stderr).toBe(0);
    expect(JSON.parse(api.stdout)).toEqual({ verdict: 'partial', total: 2, ids: ['app/402/mirror/upload', 'app/402/mirror/upload-reply'] });

    // A client without upload-reply, asked only for upload-reply cases: every case unsupported, exit 3.
    await writeFile(join(project, 'upload-only.ts'), "export default { name: 'upload only', version: '1.0.0', createJob() { throw new Error('never called'); } };\n");
    const vacuous = await run('npx', ['bits-conformance', 'run', '--client', './upload-only.ts', '--job-type', 'upload-reply', '--codes', '404', '--format', 'json'], project);
    expect(vacuous.code, vacuous.stdout + vacuous.stderr).toBe(3);
    expect(vacuous.stdout).toMatch(/^cases: 2 {2}pass: 0 {2}fail: 0 {2}warn: 0 {2}unsupported: 2 {2}error: 0$/m);
    expect(vacuous.stdout).toMatch(/^verdict: vacuous/m);
  }, 300_000);

  test('installed from a checkout that never ran npm ci: one line that says what to do, exit 2', async () => {
    // The checkout as git gives it: the package's files, no node_modules.
    const checkout = await mkdtemp(join(tmpdir(), 'bits-checkout-'));
    await mkdir(join(checkout, 'bin'));
    await copyFile(join(ROOT, 'package.json'), join(checkout, 'package.json'));
    await copyFile(join(ROOT, 'bin', 'bits-conformance.js'), join(checkout, 'bin', 'bits-conformance.js'));
    const project = await mkdtemp(join(tmpdir(), 'bits-new-user-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'my-bits-client', version: '1.0.0', private: true }));
    const install = await run('npm', ['install', '--save-dev', '--offline', checkout], project);
    expect(install.code, install.stderr).toBe(0);
    const init = await run('npx', ['bits-conformance', 'init'], project);
    expect(init.code).toBe(2);
    expect(init.stderr.trim().split('\n')).toEqual([`bits-conformance: its dependencies are not installed in ${checkout} (no tsx there): run \`npm ci\` in ${checkout}, or install it with its dependencies: \`npm i -D --install-links ${checkout}\` (or a tarball from \`npm pack\`)`]);
  }, 120_000);

  test('the published package holds the executable, the sources and the suites, and no tests', async () => {
    const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [{ files }] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    for (const needed of ['bin/bits-conformance.js', 'src/cli/main.ts', 'src/cli/config.schema.json', 'src/index.ts', 'src/client/index.ts', 'src/harness/reference-client.ts', 'src/report/conformance.schema.json', 'vitest.config.ts', 'README.md', 'docs/rules.md', 'docs/process-protocol.md']) {
      expect(paths).toContain(needed);
    }
    expect(paths.some((p) => /^suites\/.+\.suite\.ts$/.test(p))).toBe(true);
    expect(paths.filter((p) => p.endsWith('.test.ts') || p.startsWith('fixtures/') || p.startsWith('scratch/') || p.startsWith('reports/'))).toEqual([]);
  });
});
