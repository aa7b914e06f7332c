// @ts-check
// npm run mutation: mutates the judge and the scenario modules' judge code (BITS_MUTATION_SCOPE=judge,
// against the kill table replayed over recorded observations and the judge's unit tests), then the rule
// table's code and the reference client's decision code (BITS_MUTATION_SCOPE=client, against the live
// conformance cases, the replay and the rule table's tests), and adds the two reports up (score.ts). The
// judge needs no live case: the replay holds the reference client's observations of every case, more
// than the live subset would show it; and no client mutant can change a recorded observation.
// docs/mutation.md has the score, how long it takes, and every surviving mutant with the reason
// it survives; equivalent mutants are marked in the code with `// Stryker disable` and their reason.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scenarioMutateEntries } from './tools/mutation/judge-ranges.mjs';

// The decision code of src/client/job.ts: what the client does with what the server said and with time.
// It is found by markers in the file rather than fixed line numbers, so edits elsewhere do not move it:
// resume() and complete(); the Fragment exchange with every status decision after it (application
// errors, 416, session-not-found, 413, the final Ack, the reply URL); Close-Session and whether to
// re-send it; and the outcomes (progress, network failure, invalid response, server error, fatal,
// transient with its retry and no-progress timers). Left out, with the reasons in docs/mutation.md:
// option validation, the Alarm timer, suspend() and cancel() with the tidy-up's Cancel-Session, the
// Ping and Create-Session set-up, the reply download, the control plumbing and the fetch call.
// BITS_MUTATION_SCOPE=wide mutates the whole upload loop and the control calls instead.
const JOB = 'src/client/job.ts';
const lines = readFileSync(JOB, 'utf8').split('\n');
const lineOf = (/** @type {string} */ text) => {
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`stryker.config.mjs: "${text}" not found in ${JOB}`);
  return i + 1;
};
const between = (/** @type {string} */ from, /** @type {string} */ to) => `${JOB}:${lineOf(from)}-${lineOf(to) - 1}`;

const DECISIONS = [
  between('resume(): Promise<void> {', '/** Stops the job'),
  between('complete(): Promise<void> {', '// --- control plumbing'),
  between('private async sendFragment', 'private async downloadReply'),
  between('private async closeSession', '/** Cancel-Session after cancel()'),
  between('// --- outcomes', '// --- the wire'),
  between('function endRequestNeedsResend', 'export function createUploadJob'),
];
const WIDE = [
  between('resume(): Promise<void> {', '// --- control plumbing'),
  between('// --- the background loop', '// --- the wire'),
  between('function endRequestNeedsResend', 'export function createUploadJob'),
];
// BITS_MUTATION_SCOPE=judge mutates the judge alone, against the replay and the judge's unit tests alone
// (with `--mutate file,...` and BITS_MUTATION_REPORT, a file at a time); BITS_MUTATION_SCOPE=client
// everything but the judge, against every test; unset, both at once against every test (slower: every
// surviving judge mutant runs the live cases too).
const scope = process.env.BITS_MUTATION_SCOPE ?? 'default';
if (!['default', 'wide', 'judge', 'client'].includes(scope)) throw new Error(`BITS_MUTATION_SCOPE: "${scope}" is not default, wide, judge or client`);
const wide = scope === 'wide';

// The judge (not its tests, nor their test-support.ts), and the judge code of the scenario modules (their
// `judge` and `expected`, and what only those use: tools/mutation/judge-ranges.mjs). Their test is the
// kill table replayed over observations recorded outside the sandbox (tools/mutation/record.ts, run
// first by npm run mutation).
const JUDGE = ['src/harness/judge/*.ts', '!src/harness/judge/*.test.ts', '!src/harness/judge/test-support.ts', ...scenarioMutateEntries('.')];
process.env.BITS_MUTATION_OBSERVATIONS ??= resolve('reports/mutation/observations');
// Read by vitest.mutation.config.ts in the sandbox. The replay alone touches no shared state (no msw),
// so the judge's run does not isolate its test files.
process.env.BITS_MUTATION_TESTS = scope === 'judge' ? 'judge' : 'all';
process.env.BITS_MUTATION_ISOLATE ??= scope === 'judge' ? '0' : '1';
// BITS_MUTATION_REPORT names the report of a run over part of the code (`--mutate`), for score.ts to add up.
const report = process.env.BITS_MUTATION_REPORT ?? (scope === 'default' ? 'mutation' : scope);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    ...(scope === 'judge' ? [] : ['src/rules/index.ts', 'src/rules/table.ts', 'src/client/classify.ts', ...(wide ? WIDE : DECISIONS)]),
    ...(scope === 'client' ? [] : JUDGE),
  ],
  coverageAnalysis: 'perTest',
  // Incremental (Stryker's own): a mutant keeps its last result while its code and the tests that covered
  // it are unchanged, so a run after an edit tests only what the edit touched, and still prints the
  // score of every mutant. `--force` tests every mutant again (after re-recording the observations, say).
  incremental: true,
  incrementalFile: `reports/mutation/${report}-incremental.json`,
  // Other engineers share this machine's two cores.
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  // Anchored: fixtures/clients/scratch holds zoo members the replay needs.
  ignorePatterns: ['/reports', '/scratch', '/docs', '/.ci', '/.stryker-tmp*'],
  thresholds: { high: 90, low: 80, break: null },
};
