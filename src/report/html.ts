// conformance.html: one self-contained file (no network: a CSP forbids it; CSS and JS inline), that
// opens from disk. The grids of codes 100..599 are rendered here, so the page shows where a client
// goes wrong even before its script runs; the script (html-app.js) adds the case detail, the
// filters and keyboard movement, reading the cases from a <script type="application/json">.
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { fmtMs, showError } from '../harness/format.js';
import { FIRST_STATUS, LAST_STATUS } from '../rules/index.js';
import type { ConformanceReport, ReportCase } from './report.js';
import { TRANSCRIPT_HEAD } from '../harness/record.js';
import { interruptionText } from './text.js';
import { REPORT_VERDICTS, describeVerdict, type ReportVerdict } from './verdict.js';
import { expectedFailureWarnings } from './xfail.js';

const asset = (name: string): string => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * One request in the page's data, as a tuple to keep 2,008 cases small:
 * [seq, t, packetType, answer status | null, range `first-last/total` | '', body bytes,
 *  error code `0x...` | '', error context | null, received range | null, application post number | 0,
 *  application status | 0, session index | -1, url when it differs from the case's first | '',
 *  method when not BITS_POST | '', reply URL (upload-reply jobs) | '']
 */
export type EmbeddedRequest = [number, number, string, number | null, string, number, string, number | null, number | null, number, number, number, string, string, string];

/** A case in the page's data: the report's case without what the page can derive. */
export interface EmbeddedCase {
  id: string;
  k: ReportCase['kind'];
  s: number;
  n?: string;
  r: string;
  j: string;
  v: ReportVerdict;
  ru: string[];
  f: [string, string][];
  why?: string;
  /** What the transport did in the client's stead (transportNotes). */
  tn?: string[];
  x?: { rule?: string; case?: string; reason: string; link: string; expires: string }[];
  /** Expected, as the page shows it: the class, the decision, the error, the posts, the final state. */
  e: { class: string; decision: string; error: string; posts: string; finalState: string };
  o?: { after: string | null; error: string; posts: number; closes: number };
  tm: [number, number];
  st: [number, string][];
  ca: [number, string][];
  url: string;
  ss: string[];
  /** Requests; trailing '' fields may be left off. */
  tr: (EmbeddedRequest | EmbeddedRequest[number][])[];
  /** Requests left out of `tr`, after its first `TRANSCRIPT_HEAD` (a client looping on requests). */
  lo?: [number, number];
  rp: string;
  ms?: number;
}

export interface EmbeddedReport {
  rules: Record<string, { level: string; kind: string; group?: string; section?: string; statement: string }>;
  reasons: Record<string, string>;
  replayPrefix: string;
  cases: EmbeddedCase[];
}

function commonPrefix(texts: string[]): string {
  if (!texts.length) return '';
  let prefix = texts[0]!;
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

function embeddedExpectation(c: ReportCase): EmbeddedCase['e'] {
  const { decision, posts } = c.expected;
  return {
    class: c.expected.class,
    decision: decision?.state ?? 'the upload completes',
    error: showError(decision?.error ?? null),
    posts: posts.min === posts.max ? String(posts.min) : `${posts.min} to ${posts.max}`,
    finalState: c.expected.finalState,
  };
}

export function embeddedReport(report: ConformanceReport): EmbeddedReport {
  const rules: EmbeddedReport['rules'] = {};
  for (const [id, r] of Object.entries(report.rules)) rules[id] = { level: r.level, kind: r.kind, ...(r.group ? { group: r.group } : {}), ...(r.section ? { section: r.section } : {}), statement: r.statement };
  const reasons: Record<string, string> = {};
  for (const c of report.cases) {
    const phrase = STATUS_CODES[c.status];
    if (phrase) reasons[c.status] = phrase;
  }
  const replayPrefix = commonPrefix(report.cases.map((c) => c.replay));
  const cases = report.cases.map((c): EmbeddedCase => {
    const url = c.transcript[0]?.url ?? '';
    const sessions: string[] = [];
    const tr = c.transcript.map((e): EmbeddedRequest | EmbeddedRequest[number][] => {
      let session = -1;
      if (e.sessionId) {
        session = sessions.indexOf(e.sessionId);
        if (session < 0) session = sessions.push(e.sessionId) - 1;
      }
      const r = e.response;
      const tuple: EmbeddedRequest = [
        e.seq, e.t, e.packetType, r?.status ?? null,
        e.range ? `${e.range.first}-${e.range.last}/${e.range.total}` : '', e.bodyLength,
        r?.errorCode !== undefined ? `0x${r.errorCode.toString(16).toUpperCase().padStart(8, '0')}` : '', r?.errorContext ?? null, r?.receivedRange ?? null,
        e.notification?.count ?? 0, e.notification?.status ?? 0, session,
        e.url === url ? '' : e.url, e.method === 'BITS_POST' ? '' : e.method, c.jobType === 'upload-reply' ? (r?.replyUrl ?? '') : '',
      ];
      // Trailing empty strings (the usual url, method and reply URL) are left off: the page reads them as ''.
      let end = tuple.length;
      while (end > 12 && tuple[end - 1] === '') end--;
      return tuple.slice(0, end);
    });
    return {
      id: c.id, k: c.kind, s: c.status, ...(c.statusName ? { n: c.statusName } : {}), r: c.relay, j: c.jobType, v: c.verdict,
      ru: c.rules, f: c.failures.map((f) => [f.rule, f.message]), ...(c.reason ? { why: c.reason } : {}),
      ...(c.transportNotes ? { tn: c.transportNotes } : {}),
      ...(c.expectedFailure ? { x: c.expectedFailure.entries } : {}),
      e: embeddedExpectation(c),
      ...(c.observed ? { o: { after: c.observed.decision?.state ?? null, error: showError(c.observed.decision?.error), posts: c.observed.posts, closes: c.observed.closeSessions } } : {}),
      tm: [c.timing.minimumRetryDelayMs, c.timing.noProgressTimeoutMs],
      st: c.states.map((s) => [s.t, s.state]), ca: c.calls.map((x) => [x.t, x.call]),
      url, ss: sessions, tr, ...(c.requestsLeftOut ? { lo: [c.requestsLeftOut, TRANSCRIPT_HEAD] as [number, number] } : {}), rp: c.replay.slice(replayPrefix.length),
      ...(c.durationMs !== undefined ? { ms: Math.round(c.durationMs * 10) / 10 } : {}),
    };
  });
  return { rules, reasons, replayPrefix, cases };
}

const VERDICT_WORDS: Record<ReportVerdict, string> = { pass: 'pass', fail: 'fail', warn: 'warn (SHOULD broken)', xfail: 'expected failure', unsupported: 'unsupported', error: 'error (not judged)' };

function cellTitle(c: ReportCase): string {
  const phrase = STATUS_CODES[c.status];
  const rules = [...new Set(c.failures.map((f) => f.rule))];
  return `${c.status}${phrase ? ` ${phrase}` : ''}: ${VERDICT_WORDS[c.verdict]}${rules.length ? ` [${rules.join(', ')}]` : ''}`;
}

function gridOf(cases: Map<number, { c: ReportCase; i: number }>, label: string): string {
  const rows: string[] = [];
  const decades = Array.from({ length: 10 }, (_, d) => `<span class="dec">${d}0</span>`).join('');
  rows.push(`<div class="row decades" aria-hidden="true"><span class="hundred"></span>${decades}</div>`);
  for (let hundred = Math.floor(FIRST_STATUS / 100); hundred <= Math.floor(LAST_STATUS / 100); hundred++) {
    const groups: string[] = [];
    for (let d = 0; d < 10; d++) {
      let cells = '';
      for (let u = 0; u < 10; u++) {
        const status = hundred * 100 + d * 10 + u;
        const hit = cases.get(status);
        cells += hit
          ? `<button type="button" class="cell v-${hit.c.verdict}" data-i="${hit.i}" title="${escapeHtml(cellTitle(hit.c))}"></button>`
          : `<button type="button" class="cell v-none" aria-disabled="true" title="${status}: not in this report"></button>`;
      }
      groups.push(`<span class="dec">${cells}</span>`);
    }
    rows.push(`<div class="row"><span class="hundred" aria-hidden="true">${hundred}xx</span>${groups.join('')}</div>`);
  }
  return `<div class="grid" role="group" aria-label="${escapeHtml(label)}: status codes ${FIRST_STATUS} to ${LAST_STATUS}, arrow keys move">${rows.join('')}</div>`;
}

function countsText(cases: ReportCase[]): string {
  return REPORT_VERDICTS.map((v) => [v, cases.filter((c) => c.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
}

const RELAY_WORDS: Record<string, string> = { mirror: 'mirror relay (BITS-Error-Code)', 'alt-header': 'alt-header relay (BITS-Error)' };

function grids(report: ConformanceReport): string {
  const blocks = new Map<string, { relay: string; jobType: string; cases: Map<number, { c: ReportCase; i: number }> }>();
  const others: { c: ReportCase; i: number }[] = [];
  report.cases.forEach((c, i) => {
    if (c.kind !== 'status-matrix') return others.push({ c, i });
    const key = `${c.relay}/${c.jobType}`;
    const block = blocks.get(key) ?? { relay: c.relay, jobType: c.jobType, cases: new Map() };
    block.cases.set(c.status, { c, i });
    blocks.set(key, block);
  });
  const order = (b: { relay: string; jobType: string }): string => `${b.jobType === 'upload' ? 0 : 1}${b.relay === 'mirror' ? 0 : 1}`;
  const html = [...blocks.values()].sort((a, b) => order(a).localeCompare(order(b))).map((b) => {
    const label = `${b.jobType} job, ${RELAY_WORDS[b.relay] ?? b.relay}`;
    const list = [...b.cases.values()].map((x) => x.c);
    return `<section class="grid-block" data-relay="${escapeHtml(b.relay)}" data-job="${escapeHtml(b.jobType)}"><h2>${escapeHtml(label)}<span class="sub">${escapeHtml(countsText(list))}</span></h2>${gridOf(b.cases, label)}</section>`;
  });
  if (others.length) {
    const cells = others.map(({ c, i }) => {
      const suffix = c.id.split('/').at(-1) ?? '';
      return `<button type="button" class="cell v-${c.verdict}" data-i="${i}" title="${escapeHtml(`${c.id}: ${cellTitle(c)}`)}">${c.status} ${escapeHtml(suffix)}</button>`;
    });
    html.push(`<section class="grid-block"><h2>Application fails every time: retries until NoProgressTimeout<span class="sub">${escapeHtml(countsText(others.map((x) => x.c)))}</span></h2><div class="grid others" role="group" aria-label="retry until NoProgressTimeout cases">${cells.join('')}</div></section>`);
  }
  return html.join('\n');
}

function facts(report: ConformanceReport): string {
  const rows: [string, string][] = [
    ['Client', `${report.client.name} ${report.client.version} (${report.client.transport}${report.client.capabilities?.uploadReply ? ', upload-reply' : ''})`],
    ...(report.client.module ? [['Client module', report.client.module] as [string, string]] : []),
    ['Suite', `${report.suite.name} ${report.suite.version}`],
    ['Rule table', `sha256 ${report.suite.rulesDigest}`],
    ['Report digest', report.integrity ? `sha256 ${report.integrity.digest}${report.integrity.signature ? `, signed (ed25519) by ${report.integrity.signature.keyId}` : ', not signed'}` : 'none'],
    ['Run', `${report.startedAt} to ${report.finishedAt}, wall time ${(report.wallTimeMs / 1000).toFixed(1)} s${report.runId ? `, run ${report.runId}` : ''}`],
    ['Environment', `Node ${report.environment.node} on ${report.environment.os}${report.environment.ci?.runUrl ? `, ${report.environment.ci.runUrl}` : ''}`],
  ];
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function notes(report: ConformanceReport): string {
  const items = [
    ...(report.interrupted ? [`<li class="warn-note">Interrupted: ${escapeHtml(interruptionText(report))}.</li>`] : []),
    ...(report.runErrors ?? []).map((e) => `<li class="warn-note">Run error (outside any case): ${escapeHtml(e)}</li>`),
    ...(report.summary.xfail ? [`<li class="warn-note">${report.summary.xfail} failure(s) accepted by the expected-failures list (${escapeHtml(report.expectedFailures?.file ?? '')}): shown as expected failures, not counted as fail. A clean run has none.</li>`] : []),
    ...expectedFailureWarnings(report.expectedFailures).map((w) => `<li class="warn-note">${escapeHtml(w)}</li>`),
    ...(report.baseline ? [`<li>Against the baseline ${escapeHtml(report.baseline.file)}: ${report.baseline.regressions.length} regression(s), ${report.baseline.fixes.length} fix(es), ${report.baseline.newErrors.length} new error(s).</li>`] : []),
  ];
  return items.length ? `<section class="notes" aria-label="Notes"><ul>${items.join('')}</ul></section>` : '';
}

function filters(report: ConformanceReport): string {
  const present = REPORT_VERDICTS.filter((v) => report.cases.some((c) => c.verdict === v));
  const boxes = present.map((v) => {
    const n = report.cases.filter((c) => c.verdict === v).length;
    return `<label><input type="checkbox" name="verdict" value="${v}" checked><span class="swatch v-${v}"></span>${escapeHtml(v)} (${n})</label>`;
  });
  const broken = new Map<string, number>();
  for (const c of report.cases) for (const rule of new Set(c.failures.map((f) => f.rule))) broken.set(rule, (broken.get(rule) ?? 0) + 1);
  const ruleIds = Object.keys(report.rules).sort();
  const options = ruleIds.map((id) => `<option value="${escapeHtml(id)}">${escapeHtml(id)} (${broken.get(id) ?? 0} broken)</option>`);
  return `<section class="filters" aria-label="Filters">
<fieldset><legend>Verdict</legend>${boxes.join('')}</fieldset>
<label>Broken rule <select id="rule-filter"><option value="">any rule</option>${options.join('')}</select></label>
<button type="button" id="reset-filters">Show all</button>
<p id="match-count" role="status" aria-live="polite"></p>
</section>`;
}

function counts(report: ConformanceReport): string {
  const s = report.summary;
  const items = [`<li><strong>${s.total}</strong> cases</li>`, ...REPORT_VERDICTS.map((v) => `<li><span class="swatch v-${v}"></span><strong>${s[v]}</strong> ${v}</li>`)];
  return `<ul class="counts" aria-label="Counts">${items.join('')}</ul>`;
}

/** The report as one self-contained HTML page. */
export function toHtml(report: ConformanceReport): string {
  const title = `BITS conformance: ${report.client.name} ${report.client.version}: ${describeVerdict(report.summary)}`;
  // `<` escaped so no string in the data can close the script element or open a comment.
  const data = JSON.stringify(embeddedReport(report)).replace(/</g, '\\u003c');
  const clock = report.client.transport === 'in-process' ? 'virtual time' : 'wall-clock time';
  const first = report.cases.find((c) => c.kind === 'status-matrix') ?? report.cases[0];
  const timing = first ? ` Matrix timing (${clock}): MinimumRetryDelay ${fmtMs(first.timing.minimumRetryDelayMs)}, NoProgressTimeout ${fmtMs(first.timing.noProgressTimeoutMs)}.` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${escapeHtml(`${report.suite.name} ${report.suite.version}`)}">${report.runId ? `\n<meta name="bits-conformance-run" content="${escapeHtml(report.runId)}">` : ''}
<title>${escapeHtml(title)}</title>
<style>
${asset('html-app.css')}
</style>
</head>
<body>
<a class="skip" href="#grids">Skip to the grids</a>
<header class="top">
<h1>BITS conformance report</h1>
<p class="verdict r-${report.summary.verdict}">${escapeHtml(describeVerdict(report.summary))}</p>
${facts(report)}
${counts(report)}
<p class="empty">Each square is one application status (${FIRST_STATUS}..${LAST_STATUS}); rows by hundred. Select one to see its rules, expected vs observed, the wire timeline and the replay command.${escapeHtml(timing)}</p>
</header>
${notes(report)}
${filters(report)}
<main id="grids">
${grids(report)}
<section class="case-list" aria-labelledby="case-list-title"><h2 id="case-list-title">Cases that did not pass</h2><div id="case-list-body"><p class="empty">The list needs JavaScript.</p></div></section>
</main>
<aside id="detail" class="detail" hidden aria-labelledby="detail-title" tabindex="-1"></aside>
<script type="application/json" id="report-data">${data}</script>
<script type="module">
${asset('html-app.js')}
</script>
</body>
</html>
`;
}
