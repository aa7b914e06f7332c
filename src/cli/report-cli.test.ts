// The report side of the command line, as a user runs it (a real child process): the four report
// files, --expect-fail, --baseline, --sign with `verify`, `diff`, and bad input as one line and exit 2.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { assertReport, reportJson } from '../report/report.js';
import { makeRecord, makeReport } from '../report/test-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CONTEXT5 = 'fixtures/clients/zoo/reports-context-5.ts';
const CASE = 'app/404/mirror/upload';

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No GITHUB_STEP_SUMMARY from the machine running the tests: these runs must not append to it.
    const env = { ...process.env, GITHUB_STEP_SUMMARY: '' };
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 120_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function files(dir: string, entries: Record<string, string>): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(entries)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], content);
  }
  return paths;
}

const oneLine = (r: { code: number; stderr: string }, says: string | RegExp) => {
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(typeof says === 'string' ? new RegExp(says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : says);
  expect(r.stderr).not.toMatch(/^\s+at /m);
};

describe('reports from bits-conformance run', () => {
  test('an accepted failure (xfail), a signed report that verifies, and that fails verify after one byte changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-report-cli-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey;
    const f = await files(dir, {
      'key.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'pub.pem': publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'other.pem': other.export({ type: 'spki', format: 'pem' }).toString(),
      'expected.json': JSON.stringify({ expectedFailures: [{ case: CASE, reason: 'context 5 until the fix lands', link: 'https://example.org/issues/42', expires: '2999-12-31' }] }),
    });
    const out = join(dir, 'out');
    const r = await cli('run', '--client', CONTEXT5, '--case', CASE, '--expect-fail', f['expected.json']!, '--sign', f['key.pem']!, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0); // accepted, and said so:
    expect(r.stdout).toContain('cases: 1  pass: 0  fail: 0  warn: 0  xfail: 1  unsupported: 0  error: 0');
    expect(r.stdout).toMatch(/verdict: partial: no failure in the 1 case that ran, not a conformance verdict \(a selection of the cases: --case app\/404\/mirror\/upload; 1 failure accepted as expected \(--expect-fail\)\) {2}wall time/);
    expect(r.stdout).toMatch(/signed \(ed25519\) by sha256:[0-9a-f]{64}/);
    expect((await readdir(out)).sort()).toEqual(['conformance.html', 'conformance.json', 'junit.xml', 'summary.md']);

    const json = join(out, 'conformance.json');
    const report = assertReport(JSON.parse(await readFile(json, 'utf8')));
    // No absolute path of the machine in a signed report: the module relative to the project, a list outside it by name.
    expect(report.client.module).toBe(CONTEXT5);
    expect(report.expectedFailures!.file).toBe('expected.json');
    for (const name of ['conformance.json', 'summary.md', 'junit.xml', 'conformance.html']) {
      const view = await readFile(join(out, name), 'utf8');
      expect(view).not.toContain(dir);
      expect(view).not.toContain(ROOT);
    }
    expect(report.cases[0]).toMatchObject({ id: CASE, verdict: 'xfail', expectedFailure: { entries: [{ link: 'https://example.org/issues/42' }] } });
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(join(out, 'junit.xml'), 'utf8'));
    expect(junit.testsuites).toMatchObject({ tests: '1', failures: '0', skipped: '1' });
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toMatch(/^## BITS conformance: ◐ partial: no failure in the 1 case that ran/);

    const verified = await cli('verify', json, '--key', f['pub.pem']!);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^verified: /);
    expect(verified.stdout).toContain('ed25519 signature by the given key');
    expect((await cli('verify', json, '--key', f['other.pem']!)).code).toBe(1);

    const text = await readFile(json, 'utf8');
    const at = text.indexOf('"posts":2') + 8; // the file is canonical JSON: no space after a colon
    expect(at).toBeGreaterThan(8);
    await writeFile(json, `${text.slice(0, at)}3${text.slice(at + 1)}`); // one byte: 2 -> 3
    const tampered = await cli('verify', json);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^NOT VERIFIED: .*\n {2}digest mismatch: the report says [0-9a-f]{64}, its content hashes to [0-9a-f]{64}/);
    await writeFile(json, `${text} `); // one byte of whitespace: same content, different file
    expect((await cli('verify', json)).stdout).toContain('not byte for byte as the suite wrote it');
    await writeFile(json, text.slice(0, -3));
    oneLine(await cli('verify', json), /^bits-conformance: report .*conformance.json is not valid JSON: /);
  });

  test('--baseline gates on regressions only; --format picks the files; an expired entry is reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-report-cli-'));
    // A baseline in which the case already failed: failing again is no regression.
    const baseline = makeReport([makeRecord({ status: 404, verdict: 'fail' })], { clientName: 'broken: context 5 for application errors' });
    const f = await files(dir, {
      'baseline.json': reportJson(baseline),
      'expired.json': JSON.stringify({ expectedFailures: [{ rule: 'APP-CONTEXT', reason: 'was to be fixed', link: 'https://example.org/issues/7', expires: '2001-01-01' }] }),
    });
    const out = join(dir, 'gated');
    const gated = await cli('run', '--client', CONTEXT5, '--case', CASE, '--baseline', f['baseline.json']!, '--expect-fail', f['expired.json']!, '--format', 'json,md', '--out', out);
    expect(gated.code).toBe(0);
    expect(gated.stdout).toContain('expected failure for rule APP-CONTEXT expired on 2001-01-01 (https://example.org/issues/7): 1 case(s) fail again');
    expect(gated.stdout).toContain('verdict: non-conformant');
    expect(gated.stdout).toMatch(/baseline .*baseline.json: 0 regression\(s\), 0 fix\(es\), 0 new error\(s\); exit code from the baseline gate: 0/);
    expect((await readdir(out)).sort()).toEqual(['conformance.json', 'summary.md']);
    const report = assertReport(JSON.parse(await readFile(join(out, 'conformance.json'), 'utf8')));
    expect(report.baseline).toMatchObject({ file: 'baseline.json', regressions: [], fixes: [] });
    expect(report.expectedFailures!.entries[0]).toMatchObject({ status: 'expired', cases: [CASE] });
  });
});

describe('bits-conformance diff', () => {
  test('regressions exit 1 and are printed per code; no regression exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-report-cli-'));
    const before = makeReport([makeRecord({ status: 403 }), makeRecord({ status: 404, verdict: 'fail' })]);
    const after = makeReport([makeRecord({ status: 403, verdict: 'fail', failures: [{ rule: 'APP-403-NOREPOST', message: 'after 403 the file was posted to the application 1 more time(s)' }], observed: { posts: 2 } }), makeRecord({ status: 404 })]);
    const f = await files(dir, { 'old.json': reportJson(before), 'new.json': reportJson(after) });
    const r = await cli('diff', f['old.json']!, f['new.json']!);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('regressions (1):\n  403: pass -> fail  [APP-403-NOREPOST] after 403 the file was posted to the application 1 more time(s) (mirror/upload)');
    expect(r.stdout).toContain('fixes (1):\n  404: fail -> pass (mirror/upload)');
    expect(r.stdout).toContain('  403: posts 1 -> 2 (mirror/upload)');
    const asJson = await cli('diff', f['old.json']!, f['new.json']!, '--json');
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ regressions: [{ id: 'app/403/mirror/upload', from: 'pass', to: 'fail' }], fixes: [{ id: 'app/404/mirror/upload' }] });
    expect((await cli('diff', f['old.json']!, f['old.json']!)).code).toBe(0);
  });

  test('a new report of fewer cases (a subset of the old) fails the diff: lost coverage, exit 1 unless allowed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-report-cli-'));
    const full = makeReport([400, 403, 404, 429].map((status) => makeRecord({ status })));
    const subset = makeReport([403, 429].map((status) => makeRecord({ status })), { runOptions: { selection: { codes: [[403, 403], [429, 429]] } } });
    const f = await files(dir, { 'full.json': reportJson(full), 'subset.json': reportJson(subset) });
    const lost = await cli('diff', f['full.json']!, f['subset.json']!);
    expect(lost.code).toBe(1);
    expect(lost.stdout).toContain('only in the old report: 2 case(s), e.g. app/400/mirror/upload, app/404/mirror/upload');
    expect(lost.stdout).toContain('lost coverage: the new report does not run 2 case(s) of the old one (exit 1; --allow-lost-coverage accepts it)');
    expect((await cli('diff', f['full.json']!, f['subset.json']!, '--json')).code).toBe(1);
    const allowed = await cli('diff', f['full.json']!, f['subset.json']!, '--allow-lost-coverage');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('lost coverage allowed (--allow-lost-coverage)');
    expect((await cli('diff', f['subset.json']!, f['full.json']!)).code).toBe(0); // more cases now: nothing lost
    const help = await cli('diff', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--allow-lost-coverage');
  });
});

describe('bad report input: one clear line, exit 2, no stack trace, nothing written', () => {
  test('for run, diff and verify', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-report-cli-'));
    const f = await files(dir, {
      'bad.json': '{"reportVersion": 1,',
      'wrong.json': JSON.stringify({ reportVersion: 1, suite: {} }),
      'list.json': JSON.stringify({ expectedFailures: [{ rule: 'APP-CONTEXT', reason: 'r', link: 'not a link', expires: '2030-01-01' }] }),
      'rsa.pem': generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const out = join(dir, 'out');
    oneLine(await cli('run', '--sign', join(dir, 'missing.pem'), '--out', out), /signing key .*missing.pem: no such file$/);
    oneLine(await cli('run', '--format', 'json,pdf', '--out', out), "--format takes a comma-separated list of json, junit, html, md; got 'json,pdf'");
    oneLine(await cli('run', '--expect-fail', f['list.json']!, '--out', out), /does not follow its schema: \/expectedFailures\/0\/link must match format "uri"$/);
    oneLine(await cli('run', '--baseline', f['wrong.json']!, '--out', out), /baseline report .*wrong.json does not follow the report schema: /);
    oneLine(await cli('diff', f['bad.json']!, f['wrong.json']!), /old report .*bad.json is not valid JSON/);
    oneLine(await cli('verify', join(dir, 'nope.json')), /report .*nope.json: no such file$/);
    oneLine(await cli('verify', f['bad.json']!, '--key', f['rsa.pem']!), 'an Ed25519 key is needed');
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
