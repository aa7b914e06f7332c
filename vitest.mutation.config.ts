import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The cheap files first: Stryker stops a mutant's run at its first failing test, and most mutants of the
 * judge are killed by the replay in a second, before the live cases (seconds each) would start.
 */
class CheapFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (f: TestSpecification): number => (f.moduleId.endsWith('representative.suite.ts') ? 1 : 0);
    return [...files].sort((a, b) => cost(a) - cost(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// What Stryker runs against each mutant (stryker.config.mjs, `npm run mutation`):
// - tools/mutation/representative.suite.ts: conformance cases against the bundled reference client (the
//   statuses at every class boundary in all four variants, the persistent failures, every scenario);
// - tools/mutation/judge-replay.suite.ts: the kill table replayed over recorded observations (every zoo
//   member caught precisely, every case of the conformant clients passed): the test of the judge;
// - tools/mutation/modules-load.suite.ts: a mutant that breaks loading must count as caught;
// - the judge's own unit tests (JUDGE_UNITS, src/harness/judge/*.test.ts on hand-built observations): what
//   no verdict of the kill table shows;
// - the rule table's own tests: rules.test.ts against the hand-written fixture of all 500 classes, and
//   rule-table.test.ts.
// The project's other unit tests are left out on purpose: the score measures what the conformance suite
// itself catches. SHOULD rules fail a case here (`--strict`), as a strict certification run sees them.
// BITS_MUTATION_TESTS=judge (set by stryker.config.mjs for BITS_MUTATION_SCOPE=judge): the replay and the
// judge's unit tests alone. BITS_MUTATION_ISOLATE=0: test files not isolated (the judge's run).
// The judge's own unit tests hold what no verdict shows (how a failure is worded, how blame is shared out).
const JUDGE_UNITS = [
  'src/harness/judge/failure.test.ts',
  'src/harness/judge/pipeline.test.ts',
  'src/harness/judge/invariants.test.ts',
  'src/harness/judge/error-report.test.ts',
  'src/harness/judge/timeline.test.ts',
  'src/harness/judge/wire.test.ts',
  'src/harness/judge/scenario-kit.test.ts',
  'src/harness/judge/matrix.test.ts',
  // the scenario modules' judge code, on hand-built observations
  'src/harness/scenarios/*.test.ts',
];
const JUDGE_ONLY = ['tools/mutation/judge-replay.suite.ts', 'tools/mutation/modules-load.suite.ts', ...JUDGE_UNITS];
const ALL = ['tools/mutation/**/*.suite.ts', 'src/rules/rules.test.ts', 'src/rules/rule-table.test.ts', ...JUDGE_UNITS];

export default defineConfig({
  test: {
    include: process.env.BITS_MUTATION_TESTS === 'judge' ? JUDGE_ONLY : ALL,
    isolate: process.env.BITS_MUTATION_ISOLATE !== '0',
    provide: { strict: true },
    testTimeout: 60_000,
    sequence: { sequencer: CheapFirst },
  },
});
