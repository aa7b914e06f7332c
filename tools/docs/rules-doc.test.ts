// docs/rules.md is generated from the rule table and the broken clients; this fails when the committed
// file differs, and says how to fix it.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { REGENERATE, RULES_DOC, rulesMarkdown } from '../../src/cli/rules-doc.js';
import { ruleTable } from '../../src/rules/index.js';
import { rulesDocument } from './rules-doc.js';

const fresh = await rulesDocument();

describe('docs/rules.md', () => {
  test('is what the rule table generates today', () => {
    const committed = readFileSync(RULES_DOC, 'utf8');
    if (committed !== fresh) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      expect.fail(`docs/rules.md is stale (first difference at line ${line + 1}): run \`${REGENERATE}\` and commit the result\n  committed: ${a[line] ?? '(end of file)'}\n  generated: ${b[line] ?? '(end of file)'}`);
    }
  });

  test('the package prints the same document without the broken clients, which it does not ship', () => {
    expect(rulesMarkdown()).toBe(fresh.replace(/^- Proven by: .*\n/gm, ''));
  });

  test('names every rule with its level, sources, statement, where it is judged and what proves it', () => {
    const doc = fresh;
    for (const rule of ruleTable.rules) {
      expect(doc).toContain(`### ${rule.id}\n`);
      expect(doc).toContain(`> ${rule.statement}`);
      expect(doc).toContain(`| [${rule.id}](#${rule.id.toLowerCase()}) | ${rule.level} | ${rule.kind} |`);
      if (rule.kind === 'interpretation') expect(doc).toContain(`- **${rule.id}**: `);
      expect(doc.split(`### ${rule.id}\n`)[1]).toMatch(/^[^#]*- Judged in: `src\/harness\/(judge|scenarios)\/[a-z-]+\.ts`/);
    }
    for (const source of Object.keys(ruleTable.sources)) expect(doc).toContain(`| ${source} | `);
    expect(doc).toMatch(/\| fatal \| 107 \| 300-305, 307, 400-407, 410-499, 501, 505 \|/);
    expect(doc).toContain('449 is HTTP_STATUS_RETRY_WITH and fatal');
  });
});
