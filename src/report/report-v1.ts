// Reports of version 1 (conformance-v1.schema.json), read by diff (and run --baseline) and verify:
// validated against their own schema, then read in version 2's terms (rules by ID in one table,
// structured expected and observed decisions). A version 1 report lacks what version 2 records per
// request and call (the file digest of each application post, the server's counts at each call), so the
// result serves reading and comparing; it is never written out, and merge refuses version 1 shards.
import { compileAssert } from '../schema/ajv.js';
import schemaV1 from './conformance-v1.schema.json' with { type: 'json' };
import type { ConformanceReport, ReportCase, ReportDecision, ReportRule } from './report.js';

interface RuleV1 extends Omit<ReportRule, 'sources'> {
  id: string;
}

interface DecisionFieldsV1 {
  stateAfterFinalAck: string | null;
  errorContext?: number;
  errorCode?: string;
}

interface CaseV1 extends Omit<ReportCase, 'rules' | 'expected' | 'observed' | 'notJudged'> {
  rules: RuleV1[];
  expected: DecisionFieldsV1 & { class: 'success' | 'transient' | 'fatal'; posts: number; finalState: ReportCase['expected']['finalState'] };
  observed?: DecisionFieldsV1 & Omit<NonNullable<ReportCase['observed']>, 'decision'>;
}

export interface ReportV1 extends Omit<ConformanceReport, 'reportVersion' | 'rules' | 'cases'> {
  reportVersion: 1;
  cases: CaseV1[];
}

const assertV1 = compileAssert<ReportV1>(schemaV1, 'conformance report (version 1)');

export function isReportV1(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { reportVersion?: unknown }).reportVersion === 1;
}

function decision(d: DecisionFieldsV1): ReportDecision | null {
  if (d.stateAfterFinalAck === null) return null;
  const error = d.errorContext === undefined ? null : { context: d.errorContext, ...(d.errorCode ? { code: d.errorCode } : {}) };
  return { state: d.stateAfterFinalAck, error };
}

function caseV2(c: CaseV1): ReportCase {
  const { rules, expected, observed, ...rest } = c;
  const expectedDecision = decision(expected);
  return {
    ...rest,
    rules: rules.map((r) => r.id),
    notJudged: [],
    expected: {
      class: expected.class,
      ...(expectedDecision ? { decision: expectedDecision } : {}),
      posts: { min: expected.posts, max: expected.posts },
      finalState: expected.finalState,
      // Version 1 expected an exact count of posts: a repost is allowed where the class retries.
      repostAllowed: expected.class === 'transient',
    },
    ...(observed
      ? { observed: { states: observed.states, decision: decision(observed), posts: observed.posts, requestsAfterFinalAck: observed.requestsAfterFinalAck, closeSessions: observed.closeSessions } }
      : {}),
  };
}

/** A version 1 report, validated against its schema, in version 2's terms (for reading only). */
export function readReportV1(data: unknown): ConformanceReport {
  const v1 = assertV1(data);
  const rules: Record<string, ReportRule> = {};
  for (const c of v1.cases) {
    for (const { id, ...rule } of c.rules) rules[id] ??= { ...rule, sources: [] }; // version 1 kept no sources
  }
  const { reportVersion: _v, cases, ...rest } = v1;
  return { ...rest, reportVersion: 2, rules, cases: cases.map(caseV2) };
}
