// Observations recorded once, for the judge's mutation run. The judge is a pure function of (case,
// observation), and nothing a client is shown depends on it: so every case of the kill table (each zoo
// member's fast run) and of the conformant clients is run once, here, and each mutant of the judge is
// held to the same verdicts by replaying judge(c, o) over the records (judge-replay.suite.ts), in
// milliseconds instead of the kill table's minute and more.
//
// The records live in reports/mutation/observations/ (never committed), under a key: a hash of every
// file that makes an observation (src/ but the judge, the CLI and the report; the scenario modules
// without their judge code, tools/mutation/judge-ranges.mjs; the fixtures; the zoo's runner; the
// lock file; the Node and Python versions: observation-key.ts). `tsx tools/mutation/record.ts` records them again when the
// key changed, and `npm run mutation` runs it first. Each case also carries a fingerprint of how it
// runs (its server script, faults, timings and flow): a mutant that changes that (in the rule table,
// say) changes what a live run would observe, so the replay leaves such a case to the live suites.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import plainClient from '../../fixtures/clients/plain-client.js';
import { allCases, scenarioCases, VIRTUAL_PROFILE, type ConformanceCase } from '../../src/harness/cases.js';
import type { ClientCapabilities, ClientUnderTest } from '../../src/harness/contract.js';
import { matrixFlows, scenarioFlows, type Flow } from '../../src/harness/flow.js';
import type { Observation } from '../../src/harness/observation.js';
import referenceClient from '../../src/harness/reference-client.js';
import { flowOf } from '../../src/harness/run-case.js';
import { TcpEnvironment } from '../../src/harness/tcp-environment.js';
import { controlCases, PROCESS_CONCURRENCY, processTarget, REAL_TIME_PROFILE, type MemberPlan, type RunTarget } from '../zoo/zoo.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the records are: BITS_MUTATION_OBSERVATIONS (Stryker's sandbox is elsewhere), else reports/mutation/observations. */
export const OBSERVATIONS_DIR = process.env.BITS_MUTATION_OBSERVATIONS ?? join(ROOT, 'reports', 'mutation', 'observations');

export const PYTHON_EXAMPLE = 'python3 examples/python/bits_client.py';

/**
 * A client that passes every case it runs, under --strict: a mutant of the judge that fails one of its
 * cases is a false failure, and is killed.
 */
export interface ConformantClient {
  name: string;
  /** In-process clients run under msw, whose interception, once set up, takes every request of this process. */
  inProcess: boolean;
  open(): Promise<RunTarget>;
  cases(capabilities: ClientCapabilities): ConformanceCase[];
}

const inProcess = (client: ClientUnderTest) => async (): Promise<RunTarget> => ({ client, concurrency: 1, close: async () => {} });

/** On the wall clock over TCP, where connections and request heads are seen: the control set and every scenario. */
const wireCases = (capabilities: ClientCapabilities): ConformanceCase[] =>
  [...controlCases(REAL_TIME_PROFILE, capabilities), ...scenarioCases(REAL_TIME_PROFILE)].filter((c) => c.jobType !== 'upload-reply' || capabilities.uploadReply === true);

async function referenceOverTcp(): Promise<RunTarget> {
  const environment = await new TcpEnvironment().start();
  return { client: referenceClient, environment, concurrency: PROCESS_CONCURRENCY.fast, close: () => environment.close() };
}

export const CONFORMANT_CLIENTS: readonly ConformantClient[] = [
  { name: 'reference', inProcess: true, open: inProcess(referenceClient), cases: () => allCases(VIRTUAL_PROFILE) },
  { name: 'plain-client', inProcess: true, open: inProcess(plainClient), cases: () => allCases(VIRTUAL_PROFILE) },
  { name: 'reference-over-tcp', inProcess: false, open: referenceOverTcp, cases: wireCases },
  { name: 'python-example', inProcess: false, open: () => processTarget(PYTHON_EXAMPLE, PROCESS_CONCURRENCY.fast), cases: wireCases },
];

export interface RecordedCase {
  id: string;
  /** runFingerprint of the case when it was recorded. */
  run: string;
}

export interface SubjectIndex {
  kind: 'member' | 'conformant';
  /** A zoo member's expectation, and its command if it runs in another process: the replay loads no member module. */
  member?: MemberPlan;
  capabilities: ClientCapabilities;
  cases: RecordedCase[];
}

export interface ObservationIndex {
  key: string;
  node: string;
  recordedAt: string;
  seconds: number;
  subjects: Record<string, SubjectIndex>;
}

/** One subject's file: its observations by case id, under the key they were recorded with. */
export interface SubjectRecord {
  key: string;
  observations: Record<string, Observation>;
}

const FLOW_NAMES = new Map<Flow, string>([
  ...Object.entries(scenarioFlows).map(([name, f]): [Flow, string] => [f, `scenario:${name}`]),
  ...Object.entries(matrixFlows).map(([name, f]): [Flow, string] => [f, `matrix:${name}`]),
]);

/** How a case runs, as a short hash: everything the server and the harness do, never what is expected. */
export function runFingerprint(c: ConformanceCase): string {
  const { kind, status, relay, jobType, script, timing, payloadBytes, faults, server, scenario } = c;
  const run = { kind, status, relay, jobType, script, timing, payloadBytes, faults, server, scenario, flow: FLOW_NAMES.get(flowOf(c)) ?? 'unknown' };
  return createHash('sha256').update(JSON.stringify(run)).digest('hex').slice(0, 16);
}

/** The index of the records, or undefined when there is none. */
export function readIndex(dir = OBSERVATIONS_DIR): ObservationIndex | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as ObservationIndex;
  } catch {
    return undefined;
  }
}

export function readSubject(name: string, key: string, dir = OBSERVATIONS_DIR): SubjectRecord {
  const record = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as SubjectRecord;
  if (record.key !== key) throw new Error(`${join(dir, name)}.json was recorded under another key than index.json: run \`npx tsx tools/mutation/record.ts\``);
  return record;
}

/** Writes a file whole or not at all. */
export function writeAtomically(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}
