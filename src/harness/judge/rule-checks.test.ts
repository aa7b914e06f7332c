// Every rule of rules.json is named literally at a check (a fail(...) or a helper that fails under the rule
// it is given), in the judge or a scenario module: searching a rule ID finds where it is judged. Lists of
// rules a case or scenario is about (`rules: [...]`) do not count: they say what is checked, not where.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { RULE_IDS } from '../../rules/index.js';

const dirs = ['../judge/', '../scenarios/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
// Not the tests, nor their support module: a rule named there is judged nowhere.
const sources = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.ts') && !/\.test\.ts$|test-support\.ts$/.test(f)).map((f) => readFileSync(dir + f, 'utf8')));

/** The source without what only lists rules: `rules: [...]` of scenarios and the blame order. */
const checks = sources.map((s) => s.replace(/rules: (resend \? )?\[[^\]]*\](: \[[^\]]*\])?,?/g, '').replace(/const BLAME_FIRST[^;]*;/, '')).join('\n');

test.for([...RULE_IDS])('%s is named at a check', (id) => {
  expect(checks).toContain(`'${id}'`);
});
