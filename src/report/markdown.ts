// The Markdown summary (summary.md, and GitHub's job summary): the verdict, the counts, and a compact
// table of failing codes by rule, with one example per rule and the command that replays it.
import type { ConformanceReport, ReportCase } from './report.js';
import { codeRanges, interruptionText, problemLines } from './text.js';
import { expectedFailureWarnings } from './xfail.js';
import { describeVerdict } from './verdict.js';
import { fmtMs } from '../harness/format.js';

/** How many rows a list may take before the rest is counted, so a summary stays a summary. */
const MAX_ROWS = 20;

const VERDICT_MARK: Record<string, string> = { conformant: '✅', partial: '◐', 'non-conformant': '❌', error: '⚠️', vacuous: '⚠️', interrupted: '⏹️' };

/** Text safe inside a table cell: no pipe, no line break, no stray markup. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (ch) => (ch === '<' ? '&lt;' : '&gt;')).replace(/\s*\n\s*/g, ' ');
}

/** Inline code that survives backticks inside it. */
function code(text: string): string {
  const ticks = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${ticks}${ticks.length > 1 ? ` ${text} ` : text}${ticks}`;
}

interface RuleRow {
  rule: string;
  level: string;
  statuses: Set<number>;
  cases: ReportCase[];
}

function failingByRule(report: ConformanceReport): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  for (const c of report.cases) {
    if (c.verdict !== 'fail' && c.verdict !== 'warn') continue;
    for (const rule of new Set(c.failures.map((f) => f.rule))) {
      const row = rows.get(rule) ?? { rule, level: report.rules[rule]?.level ?? 'MUST', statuses: new Set(), cases: [] };
      row.statuses.add(c.status);
      row.cases.push(c);
      rows.set(rule, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.cases.length - a.cases.length || a.rule.localeCompare(b.rule));
}

/** The broken rules as a table, the rule breaking the most cases first. */
function failingRules(report: ConformanceReport): string[] {
  const rows = failingByRule(report);
  if (!rows.length) return [];
  const out = ['', '### Failing codes by rule', '', '| Rule | Level | Codes | Cases | Example |', '|---|---|---|---:|---|'];
  for (const row of rows.slice(0, MAX_ROWS)) {
    const example = row.cases[0]!;
    const message = example.failures.find((f) => f.rule === row.rule)?.message ?? '';
    out.push(`| ${row.rule} | ${row.level} | ${cell(codeRanges(row.statuses))} | ${row.cases.length} | ${code(example.id)}: ${cell(message)} |`);
  }
  if (rows.length > MAX_ROWS) out.push(`| ... | | | | ${rows.length - MAX_ROWS} more rule(s) in the report |`);
  return out;
}

export function toMarkdownSummary(report: ConformanceReport): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(`## BITS conformance: ${VERDICT_MARK[s.verdict] ?? ''} ${describeVerdict(s)}`.replace(/ {2}/, ' '));
  out.push('');
  out.push(`**Client** ${cell(`${report.client.name} ${report.client.version}`)} · **Suite** ${report.suite.name} ${report.suite.version}, rules ${code(report.suite.rulesDigest.slice(0, 12))}`
    + (report.integrity ? ` · **Report** ${code(`sha256:${report.integrity.digest.slice(0, 16)}`)}${report.integrity.signature ? ` signed by ${code(report.integrity.signature.keyId.slice(0, 23))}` : ''}` : '')
    + ` · ${fmtMs(report.wallTimeMs)}`);
  out.push('');
  if (report.interrupted) out.push(`> **Interrupted.** ${cell(interruptionText(report))}.`, '');
  const partial = (s.partial ?? []).filter((p) => p.reason !== 'interrupted');
  if (partial.length) out.push('> **Partial run: not a conformance verdict.** Only a full run (every case of the suite, every rule judged, no failure accepted) is a conformance verdict.', '');
  out.push('| cases | pass | fail | warn | xfail | unsupported | error |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${s.total} | ${s.pass} | ${s.fail} | ${s.warn} | ${s.xfail} | ${s.unsupported} | ${s.error} |`);
  if (s.xfail) {
    out.push('');
    out.push(`> ${s.xfail} failure${s.xfail === 1 ? ' is' : 's are'} accepted by the expected-failures list and not counted as \`fail\`; a clean run has none.`);
  }

  out.push(...failingRules(report));

  const errors = report.cases.filter((c) => c.verdict === 'error');
  if (errors.length || report.runErrors?.length) {
    out.push('', '### Not judged (errors)', '');
    for (const e of report.runErrors ?? []) out.push(`- run error: ${cell(e)}`);
    for (const c of errors.slice(0, MAX_ROWS)) out.push(`- ${code(c.id)}: ${cell(problemLines(c)[0] ?? 'error')}`);
    if (errors.length > MAX_ROWS) out.push(`- ... ${errors.length - MAX_ROWS} more`);
  }

  const warnings = expectedFailureWarnings(report.expectedFailures);
  if (report.expectedFailures) {
    const applied = report.expectedFailures.entries.filter((e) => e.status === 'applied').length;
    out.push('', '### Expected failures', '');
    out.push(`${report.expectedFailures.entries.length} entr${report.expectedFailures.entries.length === 1 ? 'y' : 'ies'}, ${applied} applied, ${s.xfail} case(s) accepted.`);
    for (const w of warnings) out.push(`- ⚠️ ${cell(w)}`);
  }

  if (report.baseline) {
    const b = report.baseline;
    out.push('', '### Against the baseline', '');
    out.push(`${b.regressions.length} regression(s), ${b.fixes.length} fix(es), ${b.newErrors.length} new error(s).`);
    for (const id of b.regressions.slice(0, MAX_ROWS)) out.push(`- regression: ${code(id)}`);
    if (b.regressions.length > MAX_ROWS) out.push(`- ... ${b.regressions.length - MAX_ROWS} more`);
  }

  const firstBad = report.cases.find((c) => c.verdict === 'fail') ?? report.cases.find((c) => c.verdict === 'error');
  if (firstBad) out.push('', `Replay one case: ${code(firstBad.replay)}`);
  out.push('', 'Details: `conformance.html` (grid of every code), `conformance.json` (schema-validated), `junit.xml`.');
  if (report.runId) out.push('', `<sub>run ${report.runId}</sub>`);
  return `${out.join('\n')}\n`;
}
