// The bits-conformance executable (bin/bits-conformance.js, what `npx bits-conformance` starts) as a
// user runs it: a real child process, its exit code, its output, its files. Runs of the suite cost
// about 15 s each (vitest starts), so they are few and small (--codes).
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { assertReport, type ConformanceReport } from '../report/report.js';
import { createUploadJob } from '../client/index.js';
import { RULES_DOC } from './rules-doc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'bits-conformance.js');
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the executable; CI=true as in a pipeline (plain progress lines), no GitHub job summary to append to. */
function bin(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 180_000, maxBuffer: 16 << 20, env: { ...process.env, CI: 'true', GITHUB_STEP_SUMMARY: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A usage or input error: exit 2, one line first, no stack trace. */
function oneLine(r: Result, says: string | RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(2);
  const first = r.stderr.split('\n')[0]!;
  if (typeof says === 'string') expect(first).toContain(says);
  else expect(first).toMatch(says);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

async function reportIn(dir: string): Promise<ConformanceReport> {
  return assertReport(JSON.parse(await readFile(join(dir, 'conformance.json'), 'utf8')));
}

/** A client that reports context 5 for the application's errors: fails APP-CONTEXT, passes 200. */
function context5Client(): string {
  return `import { createUploadJob } from ${JSON.stringify(join(ROOT, 'src/client/index.ts'))};
export default {
  name: 'context 5 for application errors',
  version: '1.0.0',
  capabilities: { uploadReply: true },
  createJob(options) {
    const job = createUploadJob({ ...options, fragmentSize: 4096 });
    return {
      resume: () => job.resume(), suspend: () => job.suspend(), cancel: () => job.cancel(), complete: () => job.complete(),
      getState: () => job.getState(), getReply: () => job.getReply(),
      getError: () => { const e = job.getError(); return e && e.context === 7 ? { ...e, context: 5 } : e; },
    };
  },
};
`;
}

/** Splits a printed command the way a shell would, for the simple quoting shellQuote produces. */
function shellWords(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('bits-conformance: help and usage', () => {
  test('--help lists the commands; each command has its own --help; --version', async () => {
    const help = await bin(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'rules', 'serve', 'init', 'merge', 'diff', 'verify']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const run = await bin(['run', '--help']);
    expect(run.code).toBe(0);
    for (const option of ['--client', '--client-cmd', '--codes', '--rules', '--relay', '--job-type', '--case', '--shard', '--strict', '--bail', '--timeout-multiplier', '--format', '--config']) expect(run.stdout).toContain(option);
    expect((await bin(['help', 'serve'])).stdout).toContain('usage: bits-conformance serve');
    expect((await bin(['--version'])).stdout.trim()).toBe('bits-conformance 0.1.0');
  });

  test('an unknown command or option is the usage and exit 2, with a suggestion', async () => {
    const command = await bin(['rulez']);
    oneLine(command, "unknown command 'rulez' (did you mean rules?)");
    expect(command.stderr).toContain('usage: bits-conformance [<command>]');
    const option = await bin(['run', '--job-typ', 'upload']);
    oneLine(option, "Unknown option '--job-typ' (did you mean --job-type?)");
    expect(option.stderr).toContain('usage: bits-conformance run');
    oneLine(await bin(['merge']), 'merge needs a file');
    oneLine(await bin(['run', '--codes', '400-499,650']), '--codes: 650 is outside the application statuses 100-599');
    oneLine(await bin(['run', '--rules', 'APP-4XX,NOPE']), "--rules: 'NOPE' is not a rule ID");
    oneLine(await bin(['run', '--shard', '5/4']), "--shard: '5/4' is not a shard i/n");
  });

  test('every command\'s --help exits 0; a repeated option, --retry-delay-ms for an in-process client and a mistyped --case are one line, exit 2', async () => {
    for (const command of ['diff', 'verify', 'merge', 'rules', 'serve', 'init', 'run']) {
      const help = await bin([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`usage: bits-conformance ${command}`);
    }
    oneLine(await bin(['run', '--client', './a.ts', '--client', './b.ts']), "--client is given twice ('./a.ts' and './b.ts'); give it once");
    oneLine(await bin(['run', '--codes', '404', '--codes', '500']), "--codes is given twice ('404' and '500'); give it once (a list is one value: --codes a,b)");
    oneLine(await bin(['run', '--retry-delay-ms', '300', '--codes', '404']), '--retry-delay-ms is for a client in another process (--client-cmd)');
    const mistyped = await bin(['run', '--case', 'app/404/mirorr/upload']);
    oneLine(mistyped, "--case: no such case 'app/404/mirorr/upload'; did you mean app/404/mirror/upload?");
    expect(mistyped.stderr.trim().split('\n')).toHaveLength(1); // no usage after it
  });

  test('a missing client names the path tried; a client that breaks the contract names the member', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-bin-'));
    await writeFile(join(dir, 'nameless.mjs'), 'export default { version: "1", createJob() {} };\n');
    await writeFile(join(dir, 'jobless.ts'), 'export default { name: "x", version: "1" };\n');
    oneLine(await bin(['run', '--client', './nope.ts'], dir), `client module not found: ./nope.ts (looked for ${join(dir, 'nope.ts')})`);
    oneLine(await bin(['run', '--client', './nameless.mjs'], dir), 'default export lacks `name` (a non-empty string)');
    oneLine(await bin(['run', '--client', './jobless.ts'], dir), 'default export lacks `createJob(options)` (a function)');
    await writeFile(join(dir, 'broken.ts'), 'export default {\n  name: "x",\n  createJob() { return {; }\n};\n');
    oneLine(await bin(['run', '--client', './broken.ts'], dir), `cannot load client module ./broken.ts: ${join(dir, 'broken.ts')}:3:25: Expected identifier but found ";"`);
    expect(await readdir(dir)).not.toContain('reports');
  });
});

describe('bits-conformance rules', () => {
  test('the table, one status in plain words, as data, as the rules document', async () => {
    const table = await bin(['rules']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^APP-4XX +MUST +rule +HSAE +4xx are fatal, except 408 and 409/m);
    const status = await bin(['rules', '449']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('449 (HTTP_STATUS_RETRY_WITH): fatal');
    expect(status.stdout).toContain('but it is still fatal');
    expect(JSON.parse((await bin(['rules', '408', '--json'])).stdout)).toMatchObject({ status: 408, class: 'transient', exception: true });
    expect((await bin(['rules', '--markdown'])).stdout).toBe((await readFile(RULES_DOC, 'utf8')).replace(/^- Proven by: .*\n/gm, ''));
    oneLine(await bin(['rules', '600']), "rules: '600' is not an application status 100-599");
  });
});

describe('bits-conformance init and the config file', () => {
  test('init writes the adapter and the config; a second init refuses; --force overwrites', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-init-'));
    const first = await bin(['init'], dir);
    expect(first.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['bits-conformance.config.json', 'client.ts']);
    expect(first.stdout).toContain('next: npx bits-conformance run --client ./client.ts');
    expect(JSON.parse(await readFile(join(dir, 'bits-conformance.config.json'), 'utf8'))).toMatchObject({ client: './client.ts' });
    oneLine(await bin(['init'], dir), 'init: client.ts and bits-conformance.config.json already exist in');
    expect((await bin(['init', '--force'], dir)).code).toBe(0);
  });

  test('a wrong key or value in the config is one line with its path, exit 2, before anything runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-config-'));
    const config = join(dir, 'bits-conformance.config.json');
    await writeFile(config, JSON.stringify({ codes: ['4xx'] }));
    oneLine(await bin(['run'], dir), 'bits-conformance: config: /codes/0 must match pattern "^[1-5][0-9]{2}(-[1-5][0-9]{2})?$" in bits-conformance.config.json');
    await writeFile(config, JSON.stringify({ codes: ['404'], bial: true }));
    oneLine(await bin(['run'], dir), 'config: /bial is not an option of run (did you mean bail?)');
    await writeFile(config, JSON.stringify({ rules: ['APP-4XX', 'APP-9XX'] }));
    oneLine(await bin(['run'], dir), "config: /rules/1: 'APP-9XX' is not a rule ID");
    await writeFile(config, '{ "codes": [');
    oneLine(await bin(['run'], dir), /^bits-conformance: config bits-conformance.config.json is not valid JSON: /);
    oneLine(await bin(['run', '--config', 'elsewhere.json'], dir), `config file not found: ${join(dir, 'elsewhere.json')}`);
    await writeFile(join(dir, 'broken.config.ts'), 'export default {\n  codes: ["404"\n};\n');
    oneLine(await bin(['run', '--config', 'broken.config.ts'], dir), `config broken.config.ts does not load: ${join(dir, 'broken.config.ts')}:3:1: Expected "]" but found "}"`);
    expect((await readdir(dir)).sort()).toEqual(['bits-conformance.config.json', 'broken.config.ts']);
  });
});

describe('bits-conformance serve', () => {
  test('prints each request and its answer as it happens; the scripted application answers 503 then 200; Ctrl-C stops it', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--app-status', '503,200'], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = Date.now();
      while (!/BITS server on (http:\/\/127\.0\.0\.1:\d+)/.test(stdout) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
      const origin = /BITS server on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
      expect(stdout).toContain('the server application answers 503, then 200 from then on');

      const job = createUploadJob({ url: `${origin}/upload/report.bin`, payload: new Uint8Array(6000).fill(7), minimumRetryDelayMs: 200, noProgressTimeoutMs: 5000, fragmentSize: 4096 });
      await job.resume();
      while (job.getState() !== 'TRANSFERRED' && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
      await job.complete();
      expect(job.getState()).toBe('ACKNOWLEDGED');
      await new Promise((r) => setTimeout(r, 200)); // the last line is written after the answer
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/#1 BITS_POST Ping => 200 Ack/);
    expect(stdout).toMatch(/BITS_POST Fragment bytes 0-4095\/6000 session \{[0-9a-f-]+\} => 200 Ack received 4096/);
    expect(stdout).toMatch(/Fragment bytes 4096-5999\/6000 session \{[0-9a-f-]+\} -> application post #1 answered 503 => 503 Ack error 0x801901F7 context 0x7/);
    expect(stdout).toMatch(/-> application post #2 answered 200 => 200 Ack received 6000/);
    expect(stdout).toMatch(/BITS_POST Close-Session session .* => 200 Ack/);
    expect(stdout).toMatch(/stopped: \d+ request\(s\), 2 post\(s\) to the application/);
    expect(stdout).not.toMatch(CONTROL);
  }, 60_000);

  test('a bad --app-status is one line', async () => {
    oneLine(await bin(['serve', '--app-status', '503,abc']), "--app-status: 'abc' is not an application status 100-599");
  });
});

describe('bits-conformance run, --case replay, --shard and merge', () => {
  test('exit 1 with the worst rules first; the printed replay command re-runs one case with its transcript; shards merged give the verdicts of one run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-run-'));
    await writeFile(join(dir, 'context5.ts'), context5Client());
    const selection = ['--codes', '200,404', '--relay', 'mirror', '--format', 'json'];
    const [whole, shard1, shard2] = await Promise.all([
      bin(['run', '--client', './context5.ts', ...selection, '--out', 'whole'], dir),
      bin(['run', '--client', './context5.ts', ...selection, '--shard', '1/2', '--out', 'shard1'], dir),
      bin(['run', '--client', './context5.ts', ...selection, '--shard', '2/2', '--out', 'shard2'], dir),
    ]);
    expect(whole.code, whole.stdout + whole.stderr).toBe(1);
    expect(whole.stdout).toMatch(/^rules broken, worst first:$/m);
    expect(whole.stdout).toMatch(/^ {2}APP-CONTEXT \(MUST\): \d+ cases?, codes [\d, -]+\n {4}e\.g\. \S+: expected context 7/m);
    expect(whole.stdout).toMatch(/^verdict: non-conformant \(a partial run: a selection of the cases: --codes 200,404 --relay mirror\) {2}wall time: ((\d+ min )?[\d.]+ s|\d+ ms)$/m); // under a second on a quiet machine
    expect(whole.stdout).toContain('report: whole/conformance.json');
    expect(whole.stdout).not.toMatch(CONTROL);
    const report = await reportIn(join(dir, 'whole'));
    expect(report.options).toEqual({ selection: { codes: [[200, 200], [404, 404]], relays: ['mirror'] } });
    const failing = report.cases.find((c) => c.id === 'app/404/mirror/upload')!;
    expect(failing.verdict).toBe('fail');
    expect(failing.replay).toBe('npx bits-conformance run --client ./context5.ts --case app/404/mirror/upload');

    // The replay command, as printed.
    const [npx, command, ...args] = shellWords(failing.replay);
    expect([npx, command]).toEqual(['npx', 'bits-conformance']);
    const replay = await bin([...args, '--out', 'replay', '--format', 'json'], dir);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('transcript of app/404/mirror/upload (+time from the first post to the application):');
    expect(replay.stdout).toMatch(/ {2}#\d+ \+0 ms Fragment bytes 4096-5999\/6000 => 404 code 0x80190194 context 7 {2}\[application post #1 answered 404\]/);
    expect(replay.stdout).toMatch(/^ {2}states: SUSPENDED [-+]\d/m);
    expect(replay.stdout).toContain('[APP-CONTEXT] expected context 7');
    expect((await reportIn(join(dir, 'replay'))).cases.map((c) => [c.id, c.verdict])).toEqual([['app/404/mirror/upload', 'fail']]);
    // As printed, without --out: the full report in reports/ (the default folder) stays as it was.
    await mkdir(join(dir, 'reports'));
    await copyFile(join(dir, 'whole', 'conformance.json'), join(dir, 'reports', 'conformance.json'));
    const asPrinted = await bin(args, dir);
    expect(asPrinted.code).toBe(1);
    expect(asPrinted.stdout).toContain('no report written for a replay (--out <dir> on the command line writes one)');
    expect(await readFile(join(dir, 'reports', 'conformance.json'), 'utf8')).toBe(await readFile(join(dir, 'whole', 'conformance.json'), 'utf8'));
    expect(await readdir(join(dir, 'reports'))).toEqual(['conformance.json']);

    // The shards, merged, are the unsharded run.
    expect([shard1.code, shard2.code].every((c) => c === 0 || c === 1)).toBe(true);
    const s1 = await reportIn(join(dir, 'shard1'));
    const s2 = await reportIn(join(dir, 'shard2'));
    expect(s1.cases.length + s2.cases.length).toBe(report.cases.length);
    expect(s1.options?.selection?.shard).toEqual({ index: 1, count: 2 });
    const merged = await bin(['merge', 'shard2/conformance.json', 'shard1/conformance.json', '--out', 'merged'], dir);
    expect(merged.code, merged.stdout + merged.stderr).toBe(1);
    expect(merged.stdout).toContain(`merged 2 shards of context 5 for application errors 1.0.0: ${report.cases.length} cases`);
    const combined = await reportIn(join(dir, 'merged'));
    expect(combined.cases.map((c) => [c.id, c.verdict])).toEqual(report.cases.map((c) => [c.id, c.verdict]));
    expect(combined.summary).toEqual(report.summary);
    expect(combined.options).toEqual(report.options);
    expect((await readdir(join(dir, 'merged'))).sort()).toEqual(['conformance.html', 'conformance.json', 'junit.xml', 'summary.md']);
    expect((await bin(['verify', 'merged/conformance.json'], dir)).code).toBe(0);

    oneLine(await bin(['merge', 'shard1/conformance.json', '--out', 'partial'], dir), 'merge: shard 2/2 missing: a merged report must cover the whole run');
    oneLine(await bin(['merge', 'shard1/conformance.json', 'whole/conformance.json'], dir), /^bits-conformance: merge: whole\/conformance.json has another case selection|is not a shard/);
  }, 300_000);
});
