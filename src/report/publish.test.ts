// Writing the reports: every format, atomically, into --out; GitHub's job summary; the baseline and
// signing steps; and bad inputs refused with one line before anything runs.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectPath } from './files.js';
import { finishReport, parseFormats, prepareOutputs, writeOutputs } from './publish.js';
import { assertReport, reportJson } from './report.js';
import { sealReport, verifyReportText } from './sign.js';
import { makeRecord, makeReport } from './test-support.js';

const temp = () => mkdtemp(join(tmpdir(), 'bits-publish-'));

describe('writing the reports', () => {
  test('all four formats by default, no temporary file left, the JSON valid and sealed', async () => {
    const dir = await temp();
    const summaryFile = join(dir, 'step-summary.md');
    await writeFile(summaryFile, '# earlier step\n');
    const { report } = finishReport(makeReport([makeRecord({ status: 404, verdict: 'fail' })]), {});
    const files = await writeOutputs(report, join(dir, 'out'), parseFormats(undefined), { GITHUB_STEP_SUMMARY: summaryFile });
    expect(Object.keys(files)).toEqual(['json', 'junit', 'html', 'md']);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['conformance.html', 'conformance.json', 'junit.xml', 'summary.md']);
    const text = await readFile(files.json!, 'utf8');
    expect(assertReport(JSON.parse(text)).summary.verdict).toBe('non-conformant');
    expect(verifyReportText(text, JSON.parse(text)).verified).toBe(true);
    const step = await readFile(summaryFile, 'utf8');
    expect(step.startsWith('# earlier step\n## BITS conformance: ❌ non-conformant')).toBe(true); // appended, not replaced
  });

  test('--format picks the files; unknown names are refused', async () => {
    const dir = await temp();
    await writeOutputs(sealReport(makeReport([makeRecord()])), dir, parseFormats('md, json'), {});
    expect((await readdir(dir)).sort()).toEqual(['conformance.json', 'summary.md']);
    expect(() => parseFormats('json,pdf')).toThrow("--format takes a comma-separated list of json, junit, html, md; got 'json,pdf'");
    expect(() => parseFormats('')).toThrow(/--format takes/);
  });

  test('an invalid report is refused before any file is written', async () => {
    const dir = await temp();
    const bad = { ...makeReport([makeRecord()]), reportVersion: 3 } as unknown as Parameters<typeof writeOutputs>[0];
    await expect(writeOutputs(bad, dir, parseFormats(undefined), {})).rejects.toThrow(/reportVersion must be equal to constant/);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a baseline sets the exit code from regressions only and is recorded in the report', () => {
    const baseline = makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 403 })]);
    const same = makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 403 })]);
    const gated = finishReport(same, { baseline: { file: '/b.json', sha256: 'b'.repeat(64), report: baseline } });
    expect(gated.exitCode).toBe(0);
    expect(gated.report.summary.verdict).toBe('non-conformant'); // the verdict itself is unchanged
    expect(gated.report.baseline).toEqual({ file: '/b.json', sha256: 'b'.repeat(64), regressions: [], fixes: [], newErrors: [] });
    const worse = makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 403, verdict: 'fail' })]);
    const regressed = finishReport(worse, { baseline: { file: '/b.json', sha256: 'b'.repeat(64), report: baseline } });
    expect(regressed.exitCode).toBe(1);
    expect(regressed.notes).toContain('  REGRESSION app/403/mirror/upload: pass -> fail [APP-CONTEXT] expected context 7 (REMOTE_APPLICATION) after the final Ack, observed 5');
    expect(() => assertReport(JSON.parse(reportJson(regressed.report)))).not.toThrow();
  });

  test('without a baseline the exit code is the verdict\'s: an expired entry fails the run again', () => {
    const entry = { rule: 'APP-CONTEXT', reason: 'r', link: 'https://example.org/1' };
    const failing = () => makeReport([makeRecord({ status: 404, verdict: 'fail' })]);
    const accepted = finishReport(failing(), { expectedFailures: { file: '/e.json', sha256: 'e'.repeat(64), entries: [{ ...entry, expires: '2999-01-01' }] } });
    expect([accepted.report.summary.verdict, accepted.exitCode]).toEqual(['partial', 0]); // accepted, never certified
    const expired = finishReport(failing(), { expectedFailures: { file: '/e.json', sha256: 'e'.repeat(64), entries: [{ ...entry, expires: '2001-01-01' }] } });
    expect([expired.report.summary.verdict, expired.exitCode]).toEqual(['non-conformant', 1]);
    expect(expired.notes[0]).toMatch(/^expected failure for rule APP-CONTEXT expired on 2001-01-01/);
  });

  test('inputs are read and checked first, each problem one line', async () => {
    const dir = await temp();
    const file = async (name: string, content: string) => {
      await writeFile(join(dir, name), content);
      return join(dir, name);
    };
    const { privateKey } = generateKeyPairSync('ed25519');
    const ed = await file('ed.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const rsa = await file('rsa.pem', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const baseline = await file('base.json', reportJson(makeReport([makeRecord()])));
    const prepared = await prepareOutputs({ out: dir, baseline, sign: ed, formats: 'json' });
    expect(prepared.signingKey?.asymmetricKeyType).toBe('ed25519');
    expect(prepared.baseline?.report.cases).toHaveLength(1);
    await expect(prepareOutputs({ out: dir, baseline: join(dir, 'nope.json') })).rejects.toThrow(/^baseline report .*nope.json: no such file$/);
    await expect(prepareOutputs({ out: dir, baseline: await file('x.json', '{"cases": [') })).rejects.toThrow(/^baseline report .*x.json is not valid JSON: /);
    await expect(prepareOutputs({ out: dir, baseline: await file('y.json', '{"reportVersion": 1}') })).rejects.toThrow(/^baseline report .*y.json does not follow the report schema: \/ must have required property 'suite'/);
    await expect(prepareOutputs({ out: dir, sign: rsa })).rejects.toThrow(/is a rsa key; an Ed25519 key is needed$/);
    await expect(prepareOutputs({ out: dir, sign: await file('junk.pem', 'not a key') })).rejects.toThrow(/^signing key .*junk.pem is not a PEM key: /);
  });
});

describe('paths in a report', () => {
  test('relative to the project; a file outside it by its name alone; never absolute', () => {
    expect(projectPath('/home/ci/project/clients/mine.ts', '/home/ci/project')).toBe('clients/mine.ts');
    expect(projectPath('clients/mine.ts', '/home/ci/project')).toBe('clients/mine.ts');
    expect(projectPath('/home/ci/project/node_modules/bits-conformance/src/harness/reference-client.ts', '/home/ci/project')).toBe('node_modules/bits-conformance/src/harness/reference-client.ts');
    expect(projectPath('/tmp/run-1/expected.json', '/home/ci/project')).toBe('expected.json');
    expect(projectPath('../elsewhere/baseline.json', '/home/ci/project')).toBe('baseline.json');
  });
});
