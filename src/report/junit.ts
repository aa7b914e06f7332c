// JUnit XML: one testcase per case, grouped into one testsuite per classname. The classname is the
// case's classifying rule with its group (`bits.application-status.APP-4XX`), so CI test views
// group the matrix the way the rule table does. fail -> <failure>, error -> <error>,
// unsupported and xfail -> <skipped> (pytest's convention for xfail); warn passes with a note.
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ConformanceReport, ReportCase } from './report.js';
import { expectedText, interruptionText, observedText, problemLines, transcriptLines } from './text.js';
import { describeVerdict } from './verdict.js';

/** Requests per failing case copied into <system-out>; the JSON report has all of them. */
const TRANSCRIPT_LINES = 40;

// XML 1.0 cannot hold most control characters, not even escaped; messages from a client can.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const xmlSafe = (text: string): string => text.replace(NOT_XML, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function classnameOf(c: ReportCase, rules: ConformanceReport['rules']): string {
  const id = c.rules[0];
  return id ? `bits.${rules[id]?.group ?? 'rules'}.${id}` : 'bits.unclassified';
}

function caseDetail(c: ReportCase, rules: ConformanceReport['rules']): string {
  const broken = [...new Set(c.failures.map((f) => f.rule))];
  const lines = [
    ...problemLines(c),
    '',
    ...broken.map((id) => `${id} (${rules[id]?.level ?? 'MUST'}${rules[id]?.kind === 'interpretation' ? ', interpretation' : ''}): ${rules[id]?.statement ?? ''}`),
    `expected: ${expectedText(c)}`,
    `observed: ${observedText(c)}`,
    `replay: ${c.replay}`,
  ];
  return lines.join('\n');
}

const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3);

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function countsOf(cases: ReportCase[]): Counts {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.verdict === 'fail').length,
    errors: cases.filter((c) => c.verdict === 'error').length,
    skipped: cases.filter((c) => c.verdict === 'unsupported' || c.verdict === 'xfail').length,
    ms: cases.reduce((n, c) => n + (c.durationMs ?? 0), 0),
  };
}

function addCounts(node: XMLBuilder, counts: Counts): XMLBuilder {
  return node.att({ tests: String(counts.tests), failures: String(counts.failures), errors: String(counts.errors), skipped: String(counts.skipped), time: seconds(counts.ms) });
}

function addCase(suite: XMLBuilder, c: ReportCase, rules: ConformanceReport['rules']): void {
  const testcase = suite.ele('testcase', { name: xmlSafe(c.id), classname: classnameOf(c, rules), time: seconds(c.durationMs) });
  const first = problemLines(c)[0] ?? c.verdict;
  switch (c.verdict) {
    case 'fail':
      testcase.ele('failure', { message: xmlSafe(first), type: c.failures[0]?.rule ?? 'fail' }).txt(xmlSafe(caseDetail(c, rules)));
      break;
    case 'error':
      testcase.ele('error', { message: xmlSafe(first), type: 'harness-or-client-error' }).txt(xmlSafe(caseDetail(c, rules)));
      break;
    case 'unsupported':
      testcase.ele('skipped', { message: xmlSafe(`unsupported: ${c.reason ?? 'the client lacks the capability'}`) });
      break;
    case 'xfail': {
      const why = (c.expectedFailure?.entries ?? []).map((e) => `${e.reason} (${e.link}, expires ${e.expires})`).join('; ');
      testcase.ele('skipped', { message: xmlSafe(`expected failure: ${first}; accepted: ${why}`) });
      break;
    }
    case 'warn':
      testcase.ele('system-out').txt(xmlSafe(`warn (a SHOULD rule was broken):\n${caseDetail(c, rules)}`));
      break;
    case 'pass':
      break;
  }
  if (c.verdict === 'fail' || c.verdict === 'error') {
    testcase.ele('system-out').txt(xmlSafe(`transcript (+time from the first post to the application):\n${transcriptLines(c, TRANSCRIPT_LINES).join('\n')}`));
  }
}

/** The report as JUnit XML (the Ant/Jenkins dialect GitHub, GitLab and Jenkins read). */
export function toJUnitXml(report: ConformanceReport): string {
  const bySuite = new Map<string, ReportCase[]>();
  for (const c of report.cases) {
    const name = classnameOf(c, report.rules);
    bySuite.set(name, [...(bySuite.get(name) ?? []), c]);
  }
  // A CI test view shows this name first: a partial run says so there too.
  const title = `${report.suite.name} ${report.suite.version} against ${report.client.name} ${report.client.version}${report.summary.completeness === 'partial' ? ' (partial run)' : ''}`;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: xmlSafe(title) });
  const all = countsOf(report.cases);
  const runErrors = (report.runErrors?.length ?? 0) + (report.interrupted ? 1 : 0);
  addCounts(root, { ...all, tests: all.tests + runErrors, errors: all.errors + runErrors, ms: report.wallTimeMs });
  const properties: [string, string][] = [
    ['verdict', describeVerdict(report.summary)],
    ['run.completeness', report.summary.completeness === 'partial' ? `partial: ${(report.summary.partial ?? []).map((p) => p.detail).join('; ')}` : 'full'],
    ['suite.version', report.suite.version],
    ['suite.rulesDigest', report.suite.rulesDigest],
    ['client.name', report.client.name],
    ['client.version', report.client.version],
    ...(report.runId ? [['run.id', report.runId] as [string, string]] : []),
    ...(report.interrupted ? [['run.interrupted', `${report.interrupted.signal} at ${report.interrupted.at}`] as [string, string]] : []),
    ...(report.integrity ? [['report.sha256', report.integrity.digest] as [string, string]] : []),
  ];
  for (const [name, cases] of [...bySuite].sort(([a], [b]) => a.localeCompare(b))) {
    const suite = root.ele('testsuite', { name, timestamp: report.startedAt.replace(/Z$/, '') });
    addCounts(suite, countsOf(cases));
    const props = suite.ele('properties');
    for (const [key, value] of properties) props.ele('property', { name: key, value: xmlSafe(value) });
    for (const c of cases) addCase(suite, c, report.rules);
  }
  // Errors outside any case, and an interrupted run, still have to turn a CI test view red.
  const runProblems = [
    ...(report.runErrors ?? []).map((error, i) => ({ name: `run error ${i + 1}`, message: error, type: 'run-error' })),
    ...(report.interrupted ? [{ name: 'run interrupted', message: interruptionText(report), type: 'interrupted' }] : []),
  ];
  if (runProblems.length) {
    const suite = root.ele('testsuite', { name: 'bits.run', tests: String(runProblems.length), failures: '0', errors: String(runProblems.length), skipped: '0', time: '0.000' });
    for (const p of runProblems) suite.ele('testcase', { name: p.name, classname: 'bits.run' }).ele('error', { message: xmlSafe(p.message), type: p.type });
  }
  return `${root.end({ prettyPrint: true })}\n`;
}
