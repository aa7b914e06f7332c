// Expected failures: a schema-validated list of failures a project accepts for now. A listed `fail`
// becomes `xfail`; an entry past its expiry no longer applies, and an entry whose failure no longer
// happens is reported, so the list cannot rot silently.
//
// Matching: a `case` entry accepts that case's failure whatever rules it breaks; `rule` entries
// accept a failing case only when every rule the case breaks is listed, so a new, different
// failure in the same case is never hidden.
import { createHash } from 'node:crypto';
import { allCases } from '../harness/cases.js';
import { ruleTable } from '../rules/index.js';
import { compileAssert, SchemaError } from '../schema/ajv.js';
import schema from './expected-failures.schema.json' with { type: 'json' };
import { parseInputJson, projectPath, readInputText, ReportInputError } from './files.js';
import { requestCount, type ConformanceReport, type ExpectedFailureEntry, type ExpectedFailureStatus, type ExpectedFailuresOutcome, type ReportCase } from './report.js';
import { summarize } from './verdict.js';

export interface ExpectedFailureList {
  file: string;
  sha256: string;
  entries: ExpectedFailureEntry[];
}

const assertList = compileAssert<{ expectedFailures: ExpectedFailureEntry[] }>(schema, 'expected failures');

/** Checks a parsed list: the schema, then that every rule and case it names exists in this suite. */
export function checkExpectedFailures(data: unknown, file: string, bytes: string): ExpectedFailureList {
  let list: { expectedFailures: ExpectedFailureEntry[] };
  try {
    list = assertList(data);
  } catch (error) {
    if (error instanceof SchemaError) throw new ReportInputError(`expected-failures file ${file} does not follow its schema: ${error.message.replace(/^expected failures: /, '')}`);
    throw error;
  }
  const rules = new Set(ruleTable.rules.map((r) => r.id));
  const caseIds = new Set(allCases().map((c) => c.id));
  list.expectedFailures.forEach((entry, i) => {
    // A name that matches nothing would sit in the list forever, accepting nothing: refuse it.
    if (entry.rule !== undefined && !rules.has(entry.rule)) throw new ReportInputError(`expected-failures file ${file}: /expectedFailures/${i} names no rule of this suite: ${entry.rule}`);
    if (entry.case !== undefined && !caseIds.has(entry.case)) throw new ReportInputError(`expected-failures file ${file}: /expectedFailures/${i} names no case of this suite: ${entry.case}`);
  });
  return { file: projectPath(file), sha256: createHash('sha256').update(bytes).digest('hex'), entries: list.expectedFailures };
}

export async function loadExpectedFailures(file: string): Promise<ExpectedFailureList> {
  const text = await readInputText(file, 'expected-failures file');
  return checkExpectedFailures(parseInputJson(text, file, 'expected-failures file'), file, text);
}

/** The UTC calendar day of `at`, as the `expires` field is written. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

const brokenRules = (c: ReportCase): Set<string> => new Set(c.failures.map((f) => f.rule));

/** The entries that accept this failing case, or none when they do not cover all of it. */
function acceptingEntries(c: ReportCase, active: ExpectedFailureEntry[]): ExpectedFailureEntry[] {
  const byCase = active.filter((e) => e.case === c.id);
  if (byCase.length) return byCase;
  const broken = brokenRules(c);
  const byRule = active.filter((e) => e.rule !== undefined && broken.has(e.rule));
  const covered = new Set(byRule.map((e) => e.rule));
  return broken.size > 0 && [...broken].every((r) => covered.has(r)) ? byRule : [];
}

function describes(entry: ExpectedFailureEntry, c: ReportCase): 'failed' | 'held' | 'not-judged' | 'unrelated' {
  const concerns = entry.case !== undefined ? c.id === entry.case : c.rules.includes(entry.rule!);
  if (!concerns) return 'unrelated';
  if (c.verdict === 'error' || c.verdict === 'unsupported') return 'not-judged';
  if (entry.case !== undefined) return c.verdict === 'fail' || c.verdict === 'xfail' ? 'failed' : 'held';
  return brokenRules(c).has(entry.rule!) ? 'failed' : 'held';
}

/** Returns a new report: accepted failures turned into `xfail`, the summary recomputed, the outcome of each entry. */
export function applyExpectedFailures(report: ConformanceReport, list: ExpectedFailureList, now: Date = new Date()): ConformanceReport {
  const today = utcDay(now);
  const isExpired = (e: ExpectedFailureEntry): boolean => e.expires < today;
  const active = list.entries.filter((e) => !isExpired(e));
  const acceptedBy = new Map<ExpectedFailureEntry, string[]>();

  const cases = report.cases.map((c): ReportCase => {
    if (c.verdict !== 'fail') return c;
    const entries = acceptingEntries(c, active);
    if (!entries.length) return c;
    for (const e of entries) acceptedBy.set(e, [...(acceptedBy.get(e) ?? []), c.id]);
    return { ...c, verdict: 'xfail', expectedFailure: { entries } };
  });

  const entries: ExpectedFailuresOutcome['entries'] = list.entries.map((entry) => {
    const seen = report.cases.map((c) => ({ id: c.id, how: describes(entry, c) }));
    let status: ExpectedFailureStatus;
    let ids: string[];
    if (isExpired(entry)) {
      status = 'expired';
      ids = seen.filter((s) => s.how === 'failed').map((s) => s.id); // failures it no longer covers
    } else if (seen.some((s) => s.how === 'failed')) {
      status = 'applied';
      ids = acceptedBy.get(entry) ?? [];
    } else {
      status = seen.some((s) => s.how === 'held') ? 'now-passes' : 'unmatched';
      ids = seen.filter((s) => s.how === 'held').map((s) => s.id);
    }
    return { ...entry, status, cases: ids };
  });

  return {
    ...report,
    summary: summarize({
      verdicts: cases.map((c) => c.verdict),
      requests: requestCount(cases),
      runErrors: report.runErrors?.length ?? 0,
      interrupted: report.interrupted !== undefined,
      coverage: report,
    }),
    expectedFailures: { file: list.file, sha256: list.sha256, entries },
    cases,
  };
}

/** One line per entry that needs a person: expired, describing a failure that no longer happens, or matching nothing that ran. */
export function expectedFailureWarnings(outcome: ExpectedFailuresOutcome | undefined): string[] {
  const name = (e: ExpectedFailureEntry): string => (e.case !== undefined ? `case ${e.case}` : `rule ${e.rule}`);
  return (outcome?.entries ?? []).flatMap((e) => {
    if (e.status === 'expired') return [`expected failure for ${name(e)} expired on ${e.expires} (${e.link})${e.cases.length ? `: ${e.cases.length} case(s) fail again` : ''}`];
    if (e.status === 'now-passes') return [`expected failure for ${name(e)} now passes: remove it from the list (${e.link})`];
    if (e.status === 'unmatched') return [`expected failure for ${name(e)} matched no case of this run (not selected): it was not checked (${e.link})`];
    return [];
  });
}
