import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { BEGIN, END, formatTable, parseTable, tableIn, withTable } from './readme-table.js';
import { medianBy, summaryOf, type BenchReport } from './summary.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

test("the README's speed table is in the form npm run bench:readme writes (its numbers are the committed ones)", async () => {
  const block = tableIn(await readFile(README, 'utf8'));
  const parsed = parseTable(block);
  expect(parsed.engine.length).toBeGreaterThan(0);
  expect(parsed.runs.map((r) => r.label)).toEqual(['whole suite', expect.stringMatching(/^`--case /)]);
  expect(formatTable(parsed)).toBe(block);
});

const timed = (totalMs: number) => ({ startupMs: 2000, casesMs: totalMs - 3000, reportMs: 1000, totalMs, runTimeMs: totalMs - 1500, cases: 2038, verdict: 'conformant', pass: 2038, reportBytes: 4_216_789, exitCode: 0, memory: { processMb: 233, treeMb: 450, byProcess: {} } });
const engine = (msPerCase: number) => ({ cases: 2038, requests: 11_948, ms: msPerCase * 2038, msPerCase, msPerRequest: (msPerCase * 2038) / 11_948, getResponseMsPerRequest: 0.2, nativeMsPerRequest: 0.04, vsGetResponse: (msPerCase * 2038) / 11_948 / 0.2, vsNative: (msPerCase * 2038) / 11_948 / 0.04, verdicts: { pass: 2038 }, notPassing: [] });

test('a bench report becomes a table of its medians that reads back to the same figures', () => {
  const runs = [engine(3.5), engine(3.1), engine(9)];
  const bench: BenchReport = {
    command: 'npm run bench -- --runs 3',
    date: '2026-12-01T00:00:00.000Z',
    node: 'v20.20.2',
    machine: { cpus: 2, model: 'cpu', loadAverageAtStart: [4.2, 4, 4], loadAverageAtEnd: [4, 4, 4] },
    seconds: 900,
    execution: [{ mode: 'reference', label: 'reference client (node:http), direct route', runs, median: medianBy(runs) }],
    fullRun: { runs: [timed(24_000), timed(30_000), timed(25_000)], median: medianBy([timed(24_000), timed(30_000), timed(25_000)]) },
    replay: { caseId: 'app/200/mirror/upload', runs: [timed(4000)], median: timed(4000) },
    sideBySide: { before: '/tmp/before (9d68b2a)', after: 'this checkout (abc1234)', runs: [{ beforeMs: 80_000, afterMs: 25_000, faster: 3.2, beforePeakMb: 420, afterPeakMb: 233 }] },
  };
  const summary = summaryOf(bench);
  expect(summary.engine[0]!.msPerCase).toBe(3.5); // the median, not the mean
  expect(summary.runs[0]).toMatchObject({ totalS: 25, reportMb: 4.2, peakMb: 233, treeMb: 450 });
  expect(summary.sideBySide).toEqual([{ label: '9d68b2a -> abc1234', beforeS: 80, afterS: 25, faster: 3.2 }]);
  const table = formatTable(summary);
  expect(table.startsWith(`${BEGIN}\n`) && table.endsWith(END)).toBe(true);
  expect(parseTable(table)).toEqual(summary);
  expect(withTable(`intro\n${BEGIN}\nold\n${END}\noutro`, table)).toBe(`intro\n${table}\noutro`);
});
