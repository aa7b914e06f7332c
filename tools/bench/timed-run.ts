// One `run` of the CLI as `npm start` does it, timed from inside: started by the bench as
//   node --import vitest/node --import tsx tools/bench/timed-run.ts <out dir> [case id]
// Prints one JSON line: the wall time split into start-up (process start to the first case done),
// cases (first case done to last case done) and report (last case done to the reports written), the
// report's own run time, the size of conformance.json and the verdicts.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress, ProgressDisplay } from '../../src/cli/progress.js';
import { runSuite } from '../../src/cli/run.js';

const [out, caseId] = process.argv.slice(2);
if (!out) throw new Error('usage: timed-run.ts <out dir> [case id]');

let firstDone: number | undefined;
let lastDone = 0;
const progress: ProgressDisplay = {
  update(p: Progress) {
    const now = performance.now(); // since this process started
    if (p.done >= 1) firstDone ??= now;
    lastDone = now;
  },
  stop() {},
};

const result = await runSuite({ out, progress, command: 'npm start --', ...(caseId ? { selection: { cases: [caseId] } } : {}) });
const end = performance.now();
const startup = firstDone ?? end;
console.log(
  JSON.stringify({
    startupMs: Math.round(startup),
    casesMs: Math.round(lastDone - startup),
    reportMs: Math.round(end - lastDone),
    totalMs: Math.round(end),
    runTimeMs: result.report.wallTimeMs,
    cases: result.report.summary.total,
    verdict: result.report.summary.verdict,
    pass: result.report.summary.pass,
    reportBytes: statSync(join(out, 'conformance.json')).size,
    exitCode: result.exitCode,
  }),
);
