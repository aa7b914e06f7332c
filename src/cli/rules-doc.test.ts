// docs/rules.md is generated from the rule table; this fails when the two differ, and says how to fix it.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ruleTable } from '../rules/index.js';
import { REGENERATE, RULES_DOC, rulesMarkdown } from './rules-doc.js';

describe('docs/rules.md', () => {
  test('is what the rule table generates today', () => {
    const committed = readFileSync(RULES_DOC, 'utf8');
    const fresh = rulesMarkdown();
    if (committed !== fresh) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      expect.fail(`docs/rules.md is stale (first difference at line ${line + 1}): run \`${REGENERATE}\` and commit the result\n  committed: ${a[line] ?? '(end of file)'}\n  generated: ${b[line] ?? '(end of file)'}`);
    }
  });

  test('names every rule with its level, sources and statement, and lists every interpretation', () => {
    const doc = rulesMarkdown();
    for (const rule of ruleTable.rules) {
      expect(doc).toContain(`### ${rule.id}\n`);
      expect(doc).toContain(`> ${rule.statement}`);
      expect(doc).toContain(`| [${rule.id}](#${rule.id.toLowerCase()}) | ${rule.level} | ${rule.kind} |`);
      if (rule.kind === 'interpretation') expect(doc).toContain(`- **${rule.id}**: `);
    }
    for (const source of Object.keys(ruleTable.sources)) expect(doc).toContain(`| ${source} | `);
    expect(doc).toMatch(/\| fatal \| 107 \| 300-305, 307, 400-407, 410-499, 501, 505 \|/);
    expect(doc).toContain('449 is HTTP_STATUS_RETRY_WITH and fatal');
  });
});
