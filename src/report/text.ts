// Plain-text views of one case shared by the writers (JUnit, Markdown) and the console: what was
// expected, what was observed, and the wire transcript, in the words the rules use.
import { STATUS_CODES } from 'node:http';
import { fmtMs, showError } from '../harness/format.js';
import { TRANSCRIPT_HEAD, TRANSCRIPT_TAIL } from '../harness/record.js';
import type { ConformanceReport, ReportCase, ReportError } from './report.js';

/** `404 Not Found (HTTP_STATUS_NOT_FOUND)`: the code, its reason phrase, and its WinHTTP name where one exists. */
export function statusLabel(c: Pick<ReportCase, 'status' | 'statusName'>): string {
  const phrase = STATUS_CODES[c.status];
  return `${c.status}${phrase ? ` ${phrase}` : ''}${c.statusName ? ` (${c.statusName})` : ''}`;
}

/** Sorted codes as ranges: 100-199, 201-299, 404. */
export function codeRanges(codes: Iterable<number>): string {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** The moment a case's decision is judged at: the scenario's fault, or the final Ack. */
const keyMoment = (c: ReportCase): string => (c.kind === 'scenario' ? 'the scripted fault' : 'the final Ack');

const withError = (error: ReportError | null): string => (error ? ` with error ${showError(error)}` : ' with no error');

export function expectedText(c: ReportCase): string {
  const e = c.expected;
  const decision = e.decision ? `${e.decision.state} after ${keyMoment(c)}${withError(e.decision.error)}` : 'the upload completes';
  const posts = e.posts.min === e.posts.max ? times(e.posts.min) : `${e.posts.min} to ${e.posts.max} times`;
  return `${e.class}: ${decision}; the application sees the file ${posts}; the job ends ${e.finalState}`;
}

export function observedText(c: ReportCase): string {
  const o = c.observed;
  if (!o) return 'nothing (the case did not run)';
  const error = o.decision ? withError(o.decision.error) : '';
  const after = o.requestsAfterFinalAck.length
    ? `; requests after the error: ${o.requestsAfterFinalAck.slice(0, 6).map((r) => `+${fmtMs(r.dt)} ${r.packetType}`).join(', ')}${o.requestsAfterFinalAck.length > 6 ? `, ... (${o.requestsAfterFinalAck.length} in all)` : ''}`
    : '; no request after the error';
  return `${o.decision?.state ?? 'no decision'} after ${keyMoment(c)}${error}; the application saw the file ${times(o.posts)}; Close-Session ${times(o.closeSessions)}${after}; states ${o.states.join(' -> ') || 'none'}`;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** One line per request, `t` relative to the first post to the application (the error). */
export function transcriptLines(c: ReportCase, limit = Infinity): string[] {
  const origin = c.transcript.find((e) => e.notification)?.t ?? 0;
  const lines = c.transcript.slice(0, limit).map((e) => {
    const range = e.range ? ` bytes ${e.range.first}-${e.range.last}/${e.range.total}` : '';
    const r = e.response;
    const code = r?.errorCode !== undefined ? ` code 0x${r.errorCode.toString(16).toUpperCase().padStart(8, '0')}` : '';
    const ctx = r?.errorContext !== undefined ? ` context ${r.errorContext}` : '';
    const post = e.notification ? `  [application post #${e.notification.count} answered ${e.notification.status}]` : '';
    const dt = e.t - origin;
    return `#${e.seq} ${dt >= 0 ? '+' : ''}${fmtMs(dt)} ${e.packetType}${range} => ${r?.status ?? 'no answer'}${code}${ctx}${post}`;
  });
  // The report keeps the first TRANSCRIPT_HEAD requests and the last ones: the gap is right after the head.
  if (c.requestsLeftOut && lines.length > TRANSCRIPT_HEAD) lines.splice(TRANSCRIPT_HEAD, 0, leftOutLine(c.requestsLeftOut));
  if (c.requestsLeftOut && c.transcript.length === 0) lines.push(leftOutLine(c.requestsLeftOut, 0));
  if (c.transcript.length > limit) lines.push(`... ${c.transcript.length - limit} more request(s) in conformance.json${c.requestsLeftOut ? `, and ${leftOutLine(c.requestsLeftOut)}` : ''}`);
  return lines;
}

export function leftOutLine(count: number, kept = 1): string {
  if (kept === 0) return `${count} request${count === 1 ? '' : 's'} not kept: a passing case keeps its states only (its replay command prints the requests)`;
  return `${count} request${count === 1 ? '' : 's'} left out (the report keeps the first ${TRANSCRIPT_HEAD} and the last ${TRANSCRIPT_TAIL} of a case)`;
}

/** The failures, or why the case could not be judged, one per line. */
export function problemLines(c: ReportCase): string[] {
  const notJudged = c.notJudged.map((n) => `[${n.rule}] not judged: ${n.reason}`);
  // What the client's own fetch did, said after the failures: it explains them, it is not one.
  const notes = (c.transportNotes ?? []).map((n) => `note: ${n}`);
  if (c.failures.length) return [...c.failures.map((f) => `[${f.rule}] ${f.message}`), ...notJudged, ...notes];
  return c.reason ? [c.reason, ...notJudged, ...notes] : [...notJudged, ...notes];
}

/** What an interrupted run's report is, in one sentence for every view. */
export function interruptionText(report: Pick<ConformanceReport, 'interrupted' | 'summary'>): string {
  const i = report.interrupted;
  if (!i) return '';
  const n = report.summary.total;
  return `interrupted by ${i.signal} at ${i.at}: this report holds only the ${n} case${n === 1 ? '' : 's'} that had finished; a partial run is not a conformance verdict`;
}
