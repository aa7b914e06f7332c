// How many workers run an in-process client's suite files changes nothing but the wall time: a whole run
// of a client broken in several rule families, on one worker and on two, gives every case the same
// verdict, the same failed rules and the same rules not judged. Each worker runs its cases one at a time
// on its own virtual clock, so a verdict that leaned on the cases run before it in the same worker would
// show here. The client module notes each process that loads it, which shows the second worker ran.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { VIRTUAL_PROFILE } from '../harness/timing.js';
import { SUITE_FILES, SUITE_NAMES } from '../harness/suite-files.js';
import { assertReport } from '../report/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const BROKEN = join(ROOT, 'fixtures', 'clients', 'plain-client-broken.ts');

/** A whole run on `workers` workers: each case as `id verdict [failed rules] [rules not judged]`, and how many processes loaded the client. */
async function wholeRun(workers: number): Promise<{ code: number; cases: string[]; processes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bits-workers-'));
  const pids = join(dir, 'pids');
  const client = join(dir, 'client.ts');
  await writeFile(client, `import { appendFileSync } from 'node:fs';\nimport broken from ${JSON.stringify(BROKEN)};\nappendFileSync(${JSON.stringify(pids)}, process.pid + '\\n');\nexport default broken;\n`);
  const out = join(dir, 'out');
  const code = await new Promise<number>((resolve) => {
    execFile(TSX, ['src/cli/main.ts', 'run', '--client', client, '--workers', String(workers), '--format', 'json', '--out', out], { cwd: ROOT, timeout: 240_000 }, (error) =>
      resolve(error ? Number(error.code ?? 1) : 0),
    );
  });
  const report = assertReport(JSON.parse(await readFile(join(out, 'conformance.json'), 'utf8')));
  const cases = report.cases.map((c) => {
    const failed = [...new Set(c.failures.map((f) => f.rule))].sort().join(',');
    const notJudged = c.notJudged.map((n) => n.rule).sort().join(',');
    return `${c.id} ${c.verdict} [${failed}] [${notJudged}]`;
  });
  const processes = new Set((await readFile(pids, 'utf8')).split('\n').filter(Boolean)).size;
  return { code, cases: cases.sort(), processes };
}

describe('--workers', () => {
  test('one worker and two judge every case of a whole run the same', { timeout: 480_000 }, async () => {
    const one = await wholeRun(1);
    const two = await wholeRun(2);
    expect(two.processes).toBe(one.processes + 1);
    expect([one.code, two.code]).toEqual([1, 1]);
    // Not a comparison of two lists of passes: the client fails cases in most suite files.
    const failing = one.cases.filter((line) => line.includes(' fail ')).map((line) => line.split(' ')[0]!);
    const failingFiles = SUITE_NAMES.filter((name) => SUITE_FILES[name](VIRTUAL_PROFILE).some((c) => failing.includes(c.id)));
    expect(failingFiles.length, failingFiles.join(', ')).toBeGreaterThan(3);
    expect(two.cases).toEqual(one.cases);
  });
});
