import { defineConfig } from 'vitest/config';

// What Stryker runs against each mutant (stryker.config.mjs, `npm run mutation`):
// - tools/mutation/representative.suite.ts: conformance cases against the bundled reference client (the
//   statuses at every class boundary in all four variants, the persistent failures, every scenario);
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
  },
});
