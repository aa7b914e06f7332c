// docs/rules.md, generated from the rule table (src/rules/rules.json) so that it cannot drift:
// `npm run docs:rules` (tools/docs/rules-doc.ts) writes it with the broken clients that prove each
// rule, `bits-conformance rules --markdown` prints it without them (they are not shipped), and
// tools/docs/rules-doc.test.ts fails when the committed file differs from what the table gives.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIRST_STATUS, LAST_STATUS, classify, ruleTable, rulesDigest, winhttpName, type Rule, type StatusClass } from '../rules/index.js';
import { codeRanges } from '../report/text.js';

export const RULES_DOC = fileURLToPath(new URL('../../docs/rules.md', import.meta.url));
export const REGENERATE = 'npm run docs:rules';

/** The files where checks are made: the judge and the scenario modules. */
const CHECK_DIRS = ['../harness/judge/', '../harness/scenarios/'];

/**
 * Where each rule is judged: the files of the judge and of the scenario modules that name it at a check
 * (a literal ID outside the `rules: [...]` lists, which only say what a case is about).
 */
export function judgedIn(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const dir of CHECK_DIRS) {
    const path = fileURLToPath(new URL(dir, import.meta.url));
    for (const file of readdirSync(path).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
      const text = readFileSync(path + file, 'utf8').replace(/rules: (resend \? )?\[[^\]]*\](: \[[^\]]*\])?,?/g, '').replace(/const BLAME_FIRST[^;]*;/, '');
      for (const rule of ruleTable.rules) {
        if (text.includes(`'${rule.id}'`)) where.set(rule.id, [...(where.get(rule.id) ?? []), `src/harness/${dir.split('/')[2]}/${file}`]);
      }
    }
  }
  return where;
}

/** What the generated document knows beyond the table: where each rule is judged, which broken clients prove it. */
export interface RuleFacts {
  judgedIn: Map<string, string[]>;
  /** Broken clients (fixtures/clients/...) whose expectation names the rule; absent outside the repository. */
  provenBy?: Map<string, string[]>;
}

const GROUP_TITLES: Record<string, string> = {
  'application-status': 'The server application\'s status',
  'error-report': 'The error the client reports',
  'job-model': 'The job model',
  wire: 'The wire (MC-BUP packets)',
  relay: 'How the server relays the application\'s status',
};

/** The keys every rule has; anything else is rule data, shown as such. */
const COMMON_KEYS = new Set(['id', 'level', 'kind', 'group', 'section', 'sources', 'statement']);

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const ranges = (pairs: [number, number][]): string => pairs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

/** The rule's own data (what it classifies, which codes it covers...) in words. */
function dataLines(rule: Rule): string[] {
  const lines: string[] = [];
  if (rule.classifies) {
    const c = rule.classifies;
    lines.push(`- Classifies ${ranges(c.ranges)} as **${c.class}**${c.except?.length ? `, except ${c.except.map((e) => `${e.codes.join(', ')} (**${e.class}**)`).join('; ')}` : ''}.`);
  }
  if (rule.noRepost) lines.push(`- No re-post after: ${rule.noRepost.join(', ')}.`);
  if (rule.appliesTo) lines.push(`- Applies to statuses ${ranges(rule.appliesTo)}.`);
  if (rule.errorContext) lines.push(`- Error context: BG_ERROR_CONTEXT_${rule.errorContext}.`);
  if (rule.errorCodeBase !== undefined) lines.push(`- Error code: ${hex(rule.errorCodeBase)} + status.`);
  if (rule.namedCodes) lines.push(`- Statuses with a named BG_E_HTTP_ERROR constant: ${ranges(rule.namedCodes)}.`);
  const known = new Set([...COMMON_KEYS, 'classifies', 'noRepost', 'appliesTo', 'errorContext', 'errorCodeBase', 'namedCodes']);
  for (const [key, value] of Object.entries(rule)) {
    if (!known.has(key)) lines.push(`- \`${key}\`: \`${JSON.stringify(value)}\``);
  }
  return lines;
}

function factLines(rule: Rule, facts: RuleFacts): string[] {
  const where = facts.judgedIn.get(rule.id);
  const lines = [`- Judged in: ${where ? where.map((f) => `\`${f}\``).join(', ') : 'no check names it'}.`];
  if (facts.provenBy) {
    const clients = facts.provenBy.get(rule.id);
    lines.push(`- Proven by: ${clients?.length ? clients.map((c) => `\`${c}\``).join(', ') : 'no broken client yet'}.`);
  }
  return lines;
}

function ruleSection(rule: Rule, facts: RuleFacts): string[] {
  const sources = rule.sources.map((s) => `[${s}]`).join(' ');
  return [
    `### ${rule.id}`,
    '',
    `**${rule.level}** · ${rule.kind === 'interpretation' ? '**interpretation** (the sources are silent; this is the reading the suite adopts)' : 'rule'} · spec section ${rule.section} · sources ${sources}`,
    '',
    `> ${rule.statement}`,
    '',
    ...dataLines(rule),
    ...factLines(rule, facts),
    '',
  ];
}

function classesAtAGlance(): string[] {
  const byClass = new Map<StatusClass, number[]>();
  for (let s = FIRST_STATUS; s <= LAST_STATUS; s++) {
    const cls = classify(s);
    byClass.set(cls, [...(byClass.get(cls) ?? []), s]);
  }
  const lines = ['| Class | Count | Statuses |', '|---|---:|---|'];
  for (const cls of ['success', 'fatal', 'transient'] as StatusClass[]) {
    const codes = byClass.get(cls) ?? [];
    lines.push(`| ${cls} | ${codes.length} | ${codeRanges(codes)} |`);
  }
  return lines;
}

function namedStatuses(): string[] {
  const lines = ['| Status | WinHTTP name | Class |', '|---:|---|---|'];
  for (const [status, name] of Object.entries(ruleTable.winhttpNames).sort(([a], [b]) => Number(a) - Number(b))) {
    const s = Number(status);
    if (s >= FIRST_STATUS && s <= LAST_STATUS) lines.push(`| ${s} | ${name} | ${classify(s)} |`);
  }
  return lines;
}

export function rulesMarkdown(facts: RuleFacts = { judgedIn: judgedIn() }): string {
  const t = ruleTable;
  const out: string[] = [
    '# The rules',
    '',
    `<!-- Generated from src/rules/rules.json by \`${REGENERATE}\`: do not edit by hand. -->`,
    '',
    `Every rule the suite checks, with its level, its sources and, for the interpretations, the reading the`,
    `suite adopts where the sources are silent. Generated from the rule table \`${t.name}\``,
    `(sha256 \`${rulesDigest()}\`, the \`suite.rulesDigest\` of every report); the normative text with its`,
    `reasoning is \`${t.spec}\`. Every failure in a report names one of these IDs;`,
    '`bits-conformance rules <status>` explains one status in plain words.',
    '',
    `${t.rules.length} rules: ${t.rules.filter((r) => r.kind === 'rule').length} from the sources, ${t.rules.filter((r) => r.kind === 'interpretation').length} interpretations;`,
    `${t.rules.filter((r) => r.level === 'MUST').length} MUST, ${t.rules.filter((r) => r.level === 'SHOULD').length} SHOULD (a broken SHOULD is a \`warn\`, or a \`fail\` under \`--strict\`).`,
    '',
    '## Sources',
    '',
    '| Key | Source |',
    '|---|---|',
    ...Object.entries(t.sources).map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    '## All rules',
    '',
    '| ID | Level | Kind | Group | Sources | Statement |',
    '|---|---|---|---|---|---|',
    ...t.rules.map((r) => `| [${r.id}](#${r.id.toLowerCase()}) | ${r.level} | ${r.kind} | ${r.group} | ${r.sources.join(', ')} | ${cell(r.statement)} |`),
    '',
  ];
  const groups = [...new Set(t.rules.map((r) => r.group))];
  for (const group of groups) {
    out.push(`## ${GROUP_TITLES[group] ?? group}`, '');
    for (const rule of t.rules.filter((r) => r.group === group)) out.push(...ruleSection(rule, facts));
  }
  out.push('## The interpretations, together', '');
  out.push('Where the sources are silent or ambiguous the suite reads them as follows. Each is a rule of its own,');
  out.push('labelled `interpretation` in every report, so a failure against one is never mistaken for a failure');
  out.push('against the sources.', '');
  for (const r of t.rules.filter((x) => x.kind === 'interpretation')) out.push(`- **${r.id}**: ${r.statement}`);
  out.push('');
  out.push('## Status classes at a glance', '');
  out.push(`All ${LAST_STATUS - FIRST_STATUS + 1} application statuses ${FIRST_STATUS}-${LAST_STATUS}, as the classifying rules above expand.`, '');
  out.push(...classesAtAGlance(), '');
  out.push('## Statuses WinHTTP names', '');
  const example = winhttpName(449);
  out.push(`The names reports show beside a status. A name never changes the class${example ? `: 449 is ${example} and ${classify(449)}` : ''}.`, '');
  out.push(...namedStatuses(), '');
  out.push('## Defaults', '');
  out.push(`- MinimumRetryDelay: ${t.defaults.minimumRetryDelayMs / 1000} s; NoProgressTimeout: ${t.defaults.noProgressTimeoutMs / 86_400_000} days (the Windows defaults, run in virtual time in-process).`);
  out.push('');
  return out.join('\n');
}
