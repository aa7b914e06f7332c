// Version 1 reports (fixtures/reports/conformance-v1.json, written by hand to conformance-v1.schema.json)
// are read by diff and verify in version 2's terms; merge refuses them with one line.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createAjv } from '../schema/ajv.js';
import schemaV1 from './conformance-v1.schema.json' with { type: 'json' };
import { diffExitCode, diffReports } from './diff.js';
import { loadReport, reportJson } from './report.js';
import { makeRecord, makeReport } from './test-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const V1 = join(ROOT, 'fixtures/reports/conformance-v1.json');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('report version 1', () => {
  test('the fixture is a version 1 report, and is read in version 2 terms', async () => {
    const raw = JSON.parse(await readFile(V1, 'utf8'));
    expect(createAjv().validate(schemaV1, raw)).toBe(true);
    const report = await loadReport(V1);
    expect(report.rules['APP-CONTEXT']).toMatchObject({ level: 'MUST', group: 'error-report', sources: [] });
    const failing = report.cases.find((c) => c.id === 'app/404/mirror/upload')!;
    expect(failing.rules).toEqual(['APP-4XX', 'APP-CONTEXT']);
    expect(failing.expected).toMatchObject({ class: 'fatal', decision: { state: 'ERROR', error: { context: 7, code: '0x80190194' } }, posts: { min: 1, max: 1 } });
    expect(failing.observed?.decision).toEqual({ state: 'ERROR', error: { context: 5, code: '0x80190194' } });
    expect(report.summary).toMatchObject({ verdict: 'non-conformant', completeness: 'partial' });
  });

  test('diff: a version 1 report against a version 2 one finds the regression and the fix', async () => {
    const old = await loadReport(V1);
    const now = makeReport([makeRecord({ status: 403, verdict: 'fail', failures: [{ rule: 'APP-403-NOREPOST', message: 'posted again' }], observed: { posts: 2 } }), makeRecord({ status: 404 })]);
    const diff = diffReports(old, now);
    expect(diff.regressions.map((r) => [r.id, r.from, r.to])).toEqual([['app/403/mirror/upload', 'pass', 'fail']]);
    expect(diff.fixes.map((r) => [r.id, r.from, r.to])).toEqual([['app/404/mirror/upload', 'fail', 'pass']]);
    expect(diff.observations.find((o) => o.id === 'app/404/mirror/upload')!.changes).toContain('error { context 5, code 0x80190194 } -> { context 7, code 0x80190194 }');
    expect(diffExitCode(diff)).toBe(1);
  });

  test('from the command line: verify and diff read it; merge refuses it in one line', async () => {
    const verified = await cli('verify', V1);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('report version 1 (read in version 2 terms)');
    expect(verified.stdout).toMatch(/against example client 1\.0\.0: non-conformant/);
    const dir = await mkdtemp(join(tmpdir(), 'bits-v1-'));
    const same = join(dir, 'new.json');
    await writeFile(same, reportJson(makeReport([makeRecord({ status: 403 }), makeRecord({ status: 404 })])));
    const diffed = await cli('diff', V1, same);
    expect(diffed.stdout).toContain('fixes (1):\n  404: fail -> pass (mirror/upload)');
    expect(diffed.code).toBe(0);
    const merged = await cli('merge', V1, '--out', join(dir, 'merged'));
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/^bits-conformance: merge: .*conformance-v1.json is a version 1 report; merge combines shards written by this version/);
  });
});
