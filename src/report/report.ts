// The conformance report: built from judged case records, validated against its published schema,
// and written atomically (a temporary file renamed into place), so a report is never half-written.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { release, platform } from 'node:os';
import { join } from 'node:path';
import { ruleById, rulesDigest } from '../rules/index.js';
import type { CaseRecord } from '../harness/record.js';
import { compileAssert } from '../schema/ajv.js';
import schema from './conformance.schema.json' with { type: 'json' };
import { summarize, type Summary } from './verdict.js';

export const SUITE_NAME = 'bits-conformance';
export const SUITE_VERSION = '0.1.0';

export interface ReportCase extends Omit<CaseRecord, 'rules'> {
  rules: { id: string; level: 'MUST' | 'SHOULD'; kind: 'rule' | 'interpretation'; statement: string }[];
  replay: string;
}

export interface ConformanceReport {
  reportVersion: 1;
  suite: { name: string; version: string; rulesDigest: string };
  client: { name: string; version: string; module?: string; transport: 'in-process' | 'process'; capabilities?: { uploadReply?: boolean } };
  environment: { node: string; os: string };
  startedAt: string;
  finishedAt: string;
  wallTimeMs: number;
  runErrors?: string[];
  summary: Summary;
  cases: ReportCase[];
}

export interface ReportInput {
  client: ConformanceReport['client'];
  records: CaseRecord[];
  runErrors: string[];
  startedAt: Date;
  finishedAt: Date;
  /** Builds the one-line command that re-runs exactly one case. */
  replayCommand: (caseId: string) => string;
}

export function buildReport(input: ReportInput): ConformanceReport {
  const records = [...input.records].sort((a, b) => a.status - b.status || a.id.localeCompare(b.id));
  const summary = summarize({
    verdicts: records.map((r) => r.verdict),
    requests: records.reduce((n, r) => n + r.transcript.length, 0),
    runErrors: input.runErrors.length,
  });
  return {
    reportVersion: 1,
    suite: { name: SUITE_NAME, version: SUITE_VERSION, rulesDigest: rulesDigest() },
    client: input.client,
    environment: { node: process.version, os: `${platform()} ${release()}` },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    wallTimeMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    ...(input.runErrors.length ? { runErrors: input.runErrors } : {}),
    summary,
    cases: records.map((r) => ({
      ...r,
      rules: r.rules.map((id) => {
        const { level, kind, statement } = ruleById(id);
        return { id, level, kind, statement };
      }),
      replay: input.replayCommand(r.id),
    })),
  };
}

export const assertReport = compileAssert<ConformanceReport>(schema, 'conformance report');

/** Validates, then writes `conformance.json` into `dir` atomically; returns its path. */
export async function writeReport(report: ConformanceReport, dir: string): Promise<string> {
  assertReport(report);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'conformance.json');
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temporary, file);
  return file;
}
