// Small, valid case records and reports for the writers' tests: real rules and expectations (from
// src/harness/cases), a plausible wire transcript, and whatever verdict a test needs.
import { statusMatrixCases, type CaseKind } from '../harness/cases.js';
import type { JobType } from '../harness/contract.js';
import type { CaseVerdict, Failure, ObservedSummary } from '../harness/judge/index.js';
import type { CaseRecord } from '../harness/record.js';
import type { LedgerEntry, RelayForm } from '../server/index.js';
import { buildReport, type ConformanceReport, type RunOptionsRecord } from './report.js';

export interface RecordSpec {
  status?: number;
  relay?: RelayForm;
  jobType?: JobType;
  kind?: CaseKind;
  verdict?: CaseVerdict;
  failures?: Failure[];
  reason?: string;
  observed?: Partial<ObservedSummary>;
  durationMs?: number;
}

const DEFAULT_FAILURE: Failure = { rule: 'APP-CONTEXT', message: 'expected context 7 (REMOTE_APPLICATION) after the final Ack, observed 5' };

const FILE_SHA = 'a'.repeat(64);

function transcript(status: number, posts: number, closes: number, retryAt: number): LedgerEntry[] {
  const url = 'http://case-1.bits.test/upload/case.bin';
  const sessionId = '{4d78e13c-45af-4874-a666-0418fb2e4cd2}';
  const entries: Omit<LedgerEntry, 'seq'>[] = [
    { t: 0, method: 'BITS_POST', url, packetType: 'Ping', bodyLength: 0, response: { status: 200 }, notifications: 0 },
    { t: 0, method: 'BITS_POST', url, packetType: 'Create-Session', bodyLength: 0, response: { status: 200 }, notifications: 0 },
    { t: 0, method: 'BITS_POST', url, packetType: 'Fragment', sessionId, range: { first: 0, last: 4095, total: 6000 }, bodyLength: 4096, response: { status: 200, receivedRange: 4096 }, notifications: 0 },
    {
      t: 0, method: 'BITS_POST', url, packetType: 'Fragment', sessionId, range: { first: 4096, last: 5999, total: 6000 }, bodyLength: 1904,
      response: status === 200 ? { status: 200, receivedRange: 6000 } : { status: status < 200 ? 500 : status, errorCode: 0x80190000 + status, errorContext: 7 },
      notification: { count: 1, status, fileSha256: FILE_SHA }, notifications: 1,
    },
  ];
  for (let n = 2; n <= posts; n++) {
    entries.push({ t: retryAt, method: 'BITS_POST', url, packetType: 'Fragment', sessionId, range: { first: 4096, last: 5999, total: 6000 }, bodyLength: 1904, response: { status: 200, receivedRange: 6000 }, notification: { count: n, status: 200, fileSha256: FILE_SHA }, notifications: n });
  }
  for (let n = 0; n < closes; n++) entries.push({ t: posts > 1 ? retryAt : 0, method: 'BITS_POST', url, packetType: 'Close-Session', sessionId, bodyLength: 0, response: { status: 200 }, notifications: posts });
  return entries.map((e, i) => ({ seq: i + 1, ...e }));
}

/** A valid judged record for one status-matrix case. */
export function makeRecord(spec: RecordSpec = {}): CaseRecord & { durationMs?: number } {
  const { status = 404, relay = 'mirror', jobType = 'upload', verdict = 'pass' } = spec;
  const c = statusMatrixCases({ from: status, to: status, relays: [relay], jobTypes: [jobType] })[0]!;
  const { expected } = c;
  const kind = spec.kind ?? 'status-matrix';
  const id = kind === 'status-matrix' ? c.id : `retry-until-npt/${status}/${relay}/${jobType}/short`;
  const base = { id, kind, status, ...(c.statusName ? { statusName: c.statusName } : {}), relay, jobType, rules: c.rules, timing: c.timing, expected };
  if (verdict === 'unsupported') {
    return { ...base, verdict, failures: [], notJudged: [], reason: spec.reason ?? 'the client does not declare capabilities.uploadReply', states: [], calls: [], transcript: [] };
  }
  const delay = c.timing.minimumRetryDelayMs * (expected.class === 'fatal' ? 3 : 1);
  const posts = spec.observed?.posts ?? expected.posts.min;
  const closes = spec.observed?.closeSessions ?? (expected.finalState === 'ACKNOWLEDGED' ? 1 : 0);
  const ledger = transcript(status, posts, closes, delay);
  const first = ledger.find((e) => e.notification)!;
  const decision = expected.decision!;
  const states = ['SUSPENDED', 'CONNECTING', decision.state, ...(expected.finalState === 'ACKNOWLEDGED' && expected.class !== 'success' ? ['CONNECTING', 'TRANSFERRED', 'ACKNOWLEDGED'] : expected.class === 'success' ? ['ACKNOWLEDGED'] : [])];
  const error = decision.error ? { context: decision.error.context, code: decision.error.code ?? 0 } : null;
  const observed: ObservedSummary = {
    states,
    decision: { state: decision.state, error },
    posts,
    requestsAfterFinalAck: ledger.filter((e) => e.seq > first.seq).map((e) => ({ dt: e.t - first.t, packetType: e.packetType })),
    closeSessions: closes,
    ...spec.observed,
  };
  const failures = spec.failures ?? (verdict === 'fail' || verdict === 'warn' ? [DEFAULT_FAILURE] : []);
  const call = (t: number, name: 'createJob' | 'resume' | 'complete', seen: number) => ({ t, call: name, seen, state: 'SUSPENDED', openSessions: 0 });
  return {
    ...base,
    verdict,
    failures,
    notJudged: [],
    ...(verdict === 'error' ? { reason: spec.reason ?? 'client error: resume() threw: simulated crash in resume()' } : spec.reason ? { reason: spec.reason } : {}),
    observed,
    states: states.map((state, i) => ({ t: i < 3 ? 0 : delay, state, valid: true, error: i === 2 ? error : null, seen: i < 3 ? first.seq : ledger.length })),
    calls: [call(0, 'createJob', 0), call(0, 'resume', 0), ...(posts > 1 ? [call(delay, 'complete', ledger.length)] : [])],
    transcript: ledger,
    ...(spec.durationMs !== undefined ? { durationMs: spec.durationMs } : {}),
  };
}

export function makeReport(records: (CaseRecord & { durationMs?: number })[], options: { runErrors?: string[]; clientName?: string; clientVersion?: string; runOptions?: RunOptionsRecord } = {}): ConformanceReport {
  return buildReport({
    client: { name: options.clientName ?? 'crafted client', version: options.clientVersion ?? '1.0.0', transport: 'in-process', capabilities: { uploadReply: true } },
    records,
    runErrors: options.runErrors ?? [],
    startedAt: new Date('2026-01-02T03:04:05.000Z'),
    finishedAt: new Date('2026-01-02T03:04:07.500Z'),
    replayCommand: (id) => `npm start -- --client crafted.ts --case ${id}`,
    ...(options.runOptions ? { options: options.runOptions } : {}),
  });
}
