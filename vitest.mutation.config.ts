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
// - the rule table's own tests: rules.test.ts against the hand-written fixture of all 500 classes, and
//   rule-table.test.ts.
// The project's other unit tests are left out on purpose: the score measures what the conformance suite
// itself catches. SHOULD rules fail a case here (`--strict`), as a strict certification run sees them.
export default defineConfig({
  test: {
    include: ['tools/mutation/**/*.suite.ts', 'src/rules/rules.test.ts', 'src/rules/rule-table.test.ts'],
    provide: { strict: true },
    testTimeout: 60_000,
    sequence: { sequencer: CheapFirst },
  },
});
