// `npm run docs:rules`: writes docs/rules.md from the rule table, with where each rule is judged and the
// broken clients that prove it (their expectations name the rule). The package's `bits-conformance rules
// --markdown` prints the same document without the broken clients, which are not shipped.
import { judgedIn, RULES_DOC, rulesMarkdown, type RuleFacts } from '../../src/cli/rules-doc.js';
import { isEntry } from '../../src/cli/entry.js';
import { loadAllMembers } from '../zoo/zoo.js';

/** Rule ID -> the broken clients (every zoo folder) whose expectation names it among the rules they break. */
export async function provenBy(): Promise<Map<string, string[]>> {
  const proven = new Map<string, string[]>();
  for (const member of await loadAllMembers()) {
    for (const rule of member.expectation.rules) proven.set(rule, [...(proven.get(rule) ?? []), member.file]);
  }
  return proven;
}

export async function rulesDocument(): Promise<string> {
  const facts: RuleFacts = { judgedIn: judgedIn(), provenBy: await provenBy() };
  return rulesMarkdown(facts);
}

if (isEntry(import.meta.url)) {
  const { writeFileAtomic } = await import('../../src/report/files.js');
  await writeFileAtomic(RULES_DOC, await rulesDocument());
  console.log(`wrote ${RULES_DOC}`);
}
