// Baseline diff: what changed between two reports of the same suite, case by case. Regressions are
// cases that fail now and did not before (a case new in this run that fails counts too: nobody
// accepted that failure); fixes are failures that now pass. `run --baseline` gates on regressions only.
import { fmtMs, showError } from '../harness/format.js';
import type { ConformanceReport, ReportCase } from './report.js';
import { EXIT_CODE, type ReportVerdict } from './verdict.js';

export interface VerdictChange {
  id: string;
  status: number;
  /** The case id without its status: `mirror/upload`, `retry-until-npt/mirror/upload/short`. */
  variant: string;
  /** null: the case is new in this run. */
  from: ReportVerdict | null;
  to: ReportVerdict;
  /** The first failure (or the error) now, `[RULE] message`. */
  now?: string;
}

export interface ObservationChange {
  id: string;
  status: number;
  variant: string;
  /** Each `what old -> new`, e.g. `posts 1 -> 2`. */
  changes: string[];
}

export interface ReportDiff {
  old: { client: string; suite: string; rulesDigest: string };
  new: { client: string; suite: string; rulesDigest: string };
  /** Differences in what was run that can explain a change besides the client: rules, suite. */
  notes: string[];
  regressions: VerdictChange[];
  fixes: VerdictChange[];
  /** New `error` verdicts: cases the suite could judge before and cannot now. */
  newErrors: VerdictChange[];
  /** Every other verdict change (pass -> warn, fail -> xfail, ...). */
  otherChanges: VerdictChange[];
  observations: ObservationChange[];
  onlyOld: string[];
  onlyNew: string[];
}

export function variantOf(c: Pick<ReportCase, 'id' | 'kind' | 'status'>): string {
  const parts = c.id.split('/');
  const rest = parts.filter((p, i) => !(i === 1 && p === String(c.status)));
  return c.kind === 'status-matrix' && rest[0] === 'app' ? rest.slice(1).join('/') : rest.join('/');
}

const describeNow = (c: ReportCase): string | undefined =>
  c.failures[0] ? `[${c.failures[0].rule}] ${c.failures[0].message}` : c.reason;

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

/** What was observed, field by field, as `name old -> new`. */
function observationChanges(a: ReportCase, b: ReportCase): string[] {
  const changes: string[] = [];
  const field = (name: string, x: unknown, y: unknown): void => {
    const show = (v: unknown): string => (v === null || v === undefined ? 'none' : String(v));
    if (show(x) !== show(y)) changes.push(`${name} ${show(x)} -> ${show(y)}`);
  };
  const oa = a.observed;
  const ob = b.observed;
  if (oa && ob) {
    field('decision', oa.decision?.state, ob.decision?.state);
    field('error', showError(oa.decision?.error), showError(ob.decision?.error));
    field('posts', oa.posts, ob.posts);
    field('Close-Session', oa.closeSessions, ob.closeSessions);
    field('requests after the error', oa.requestsAfterFinalAck.length, ob.requestsAfterFinalAck.length);
    const after = (r: { dt: number } | undefined): string | undefined => (r ? `+${fmtMs(r.dt)}` : undefined);
    field('first request after the error', after(oa.requestsAfterFinalAck[0]), after(ob.requestsAfterFinalAck[0]));
    if (oa.states.join() !== ob.states.join()) changes.push(`states ${list(oa.states)} -> ${list(ob.states)}`);
  } else if (oa || ob) {
    changes.push(`observed ${oa ? 'something' : 'nothing'} -> ${ob ? 'something' : 'nothing'}`);
  }
  const rulesA = [...new Set(a.failures.map((f) => f.rule))].sort();
  const rulesB = [...new Set(b.failures.map((f) => f.rule))].sort();
  if (rulesA.join() !== rulesB.join()) changes.push(`broken rules ${list(rulesA)} -> ${list(rulesB)}`);
  return changes;
}

export function diffReports(oldReport: ConformanceReport, newReport: ConformanceReport): ReportDiff {
  const who = (r: ConformanceReport) => ({ client: `${r.client.name} ${r.client.version}`, suite: `${r.suite.name} ${r.suite.version}`, rulesDigest: r.suite.rulesDigest });
  const notes: string[] = [];
  if (oldReport.suite.rulesDigest !== newReport.suite.rulesDigest) notes.push(`the rule tables differ (${oldReport.suite.rulesDigest.slice(0, 12)} -> ${newReport.suite.rulesDigest.slice(0, 12)}): a change may come from the rules, not the client`);
  if (oldReport.suite.version !== newReport.suite.version) notes.push(`the suite versions differ (${oldReport.suite.version} -> ${newReport.suite.version})`);
  if (oldReport.client.name !== newReport.client.name) notes.push(`the clients differ (${oldReport.client.name} -> ${newReport.client.name})`);

  const before = new Map(oldReport.cases.map((c) => [c.id, c]));
  const diff: ReportDiff = { old: who(oldReport), new: who(newReport), notes, regressions: [], fixes: [], newErrors: [], otherChanges: [], observations: [], onlyOld: [], onlyNew: [] };
  for (const c of newReport.cases) {
    const prior = before.get(c.id);
    before.delete(c.id);
    if (!prior) diff.onlyNew.push(c.id);
    const now = describeNow(c);
    const change: VerdictChange = { id: c.id, status: c.status, variant: variantOf(c), from: prior?.verdict ?? null, to: c.verdict, ...(now ? { now } : {}) };
    if (c.verdict === 'fail' && prior?.verdict !== 'fail') diff.regressions.push(change);
    else if (prior?.verdict === 'fail' && (c.verdict === 'pass' || c.verdict === 'warn')) diff.fixes.push(change);
    else if (c.verdict === 'error' && prior?.verdict !== 'error') diff.newErrors.push(change);
    else if (prior && prior.verdict !== c.verdict) diff.otherChanges.push(change);
    if (prior) {
      const changes = observationChanges(prior, c);
      if (changes.length) diff.observations.push({ id: c.id, status: c.status, variant: variantOf(c), changes });
    }
  }
  diff.onlyOld = [...before.keys()];
  return diff;
}

/**
 * The exit code of a run gated on a baseline: 1 only if something got worse. A run that checked
 * nothing stays vacuous (3), and new harness errors or run errors stay errors (2): a case the suite
 * could not judge, or a suite that did not load, must not pass a gate by being absent.
 */
export function baselineExitCode(diff: ReportDiff, report: ConformanceReport): number {
  if (report.summary.verdict === 'vacuous') return EXIT_CODE.vacuous;
  if (diff.regressions.length) return EXIT_CODE['non-conformant'];
  if (diff.newErrors.length || report.runErrors?.length) return EXIT_CODE.error;
  return EXIT_CODE.conformant;
}

/**
 * The exit code of `diff`: 1 for a regression, and 1 for lost coverage (cases only in the old report),
 * since a report of fewer cases must not pass a gate for the whole; `allowLostCoverage` accepts that.
 */
export function diffExitCode(diff: ReportDiff, { allowLostCoverage = false } = {}): number {
  return diff.regressions.length || (diff.onlyOld.length && !allowLostCoverage) ? EXIT_CODE['non-conformant'] : EXIT_CODE.conformant;
}

/** Groups entries with the same status and the same text, so one line says it for all variants. */
function grouped<T extends { status: number; variant: string }>(items: T[], text: (item: T) => string, allVariants: (status: number) => number): string[] {
  const groups = new Map<string, { status: number; text: string; variants: string[] }>();
  for (const item of items) {
    const t = text(item);
    const key = `${item.status}\u0000${t}`;
    const g = groups.get(key) ?? { status: item.status, text: t, variants: [] };
    g.variants.push(item.variant);
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.status - b.status)
    .map((g) => {
      const which = g.variants.length > 1 && g.variants.length === allVariants(g.status) ? `all ${g.variants.length} cases` : g.variants.join(', ');
      return `  ${g.status}: ${g.text} (${which})`;
    });
}

/** The diff as a person reads it: regressions first, then fixes, then what else changed, per status code. */
export function formatDiff(diff: ReportDiff, newReport: ConformanceReport, { allowLostCoverage = false } = {}): string {
  const perStatus = new Map<number, number>();
  for (const c of newReport.cases) perStatus.set(c.status, (perStatus.get(c.status) ?? 0) + 1);
  const all = (status: number): number => perStatus.get(status) ?? 0;
  const verdictText = (v: VerdictChange): string => `${v.from ?? 'new case'} -> ${v.to}${v.now ? `  ${v.now}` : ''}`;
  const lines = [`diff: ${diff.old.client} (${diff.old.suite}) -> ${diff.new.client} (${diff.new.suite})`];
  for (const note of diff.notes) lines.push(`note: ${note}`);
  const section = (title: string, items: string[]): void => {
    lines.push(`${title}: ${items.length ? '' : 'none'}`.trimEnd());
    lines.push(...items);
  };
  section(`regressions (${diff.regressions.length})`, grouped(diff.regressions, verdictText, all));
  section(`fixes (${diff.fixes.length})`, grouped(diff.fixes, verdictText, all));
  if (diff.newErrors.length) section(`new errors (${diff.newErrors.length})`, grouped(diff.newErrors, verdictText, all));
  if (diff.otherChanges.length) section(`other verdict changes (${diff.otherChanges.length})`, grouped(diff.otherChanges, (v) => `${v.from ?? 'new case'} -> ${v.to}`, all));
  const observationLines = diff.observations.flatMap((o) => o.changes.map((change) => ({ status: o.status, variant: o.variant, change })));
  section(`changed observations (${diff.observations.length} cases)`, grouped(observationLines, (o) => o.change, all));
  if (diff.onlyOld.length) {
    lines.push(`only in the old report: ${diff.onlyOld.length} case(s), e.g. ${diff.onlyOld.slice(0, 3).join(', ')}`);
    lines.push(allowLostCoverage ? 'lost coverage allowed (--allow-lost-coverage)' : `lost coverage: the new report does not run ${diff.onlyOld.length} case(s) of the old one (exit 1; --allow-lost-coverage accepts it)`);
  }
  if (diff.onlyNew.length) lines.push(`only in the new report: ${diff.onlyNew.length} case(s), e.g. ${diff.onlyNew.slice(0, 3).join(', ')}`);
  lines.push(`${diff.regressions.length} regression(s), ${diff.fixes.length} fix(es), ${diff.observations.length} case(s) with changed observations`);
  return `${lines.join('\n')}\n`;
}
