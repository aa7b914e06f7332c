// The suite's engine per case and per request, paired with its floors: every case of allCases() runs
// through runCase and the judge (what `npm start` runs inside vitest, without vitest), in blocks; after
// each block the same requests are replayed through bare getResponse on the same handlers, then as
// native Request and Response (floor.ts). Alternating in blocks keeps the three on the same load.
import { allCases, type ConformanceCase } from '../../src/harness/cases.js';
import type { ClientUnderTest } from '../../src/harness/contract.js';
import type { CaseEnvironment } from '../../src/harness/environment.js';
import { judge, type CaseVerdict } from '../../src/harness/judge/index.js';
import { runCase } from '../../src/harness/run-case.js';
import type { LedgerEntry } from '../../src/server/index.js';
import { replayNative, replayThroughGetResponse, type ReplayedRequest } from './floor.js';

export interface ExecutionFigures {
  cases: number;
  requests: number;
  /** Wall time of the engine over all cases (runCase and judge). */
  ms: number;
  msPerCase: number;
  msPerRequest: number;
  /** The same requests through bare getResponse on the same handlers, per request. */
  getResponseMsPerRequest: number;
  /** The same requests as native Request and Response, per request. */
  nativeMsPerRequest: number;
  /** msPerRequest / getResponseMsPerRequest */
  vsGetResponse: number;
  /** msPerRequest / nativeMsPerRequest */
  vsNative: number;
  verdicts: Partial<Record<CaseVerdict, number>>;
  /** Cases that did not pass (at most 10). */
  notPassing: string[];
}

/** Cases run back to back before their floors are measured. */
const BLOCK = 32;

interface Totals {
  engine: number;
  getResponse: number;
  native: number;
  requests: number;
  verdicts: Partial<Record<CaseVerdict, number>>;
  notPassing: string[];
}

async function runBlock(block: readonly ConformanceCase[], client: ClientUnderTest, environment: CaseEnvironment, t: Totals): Promise<LedgerEntry[][]> {
  const ledgers: LedgerEntry[][] = [];
  const started = performance.now();
  for (const c of block) {
    const observation = await runCase(c, client, environment);
    const { verdict } = judge(c, observation);
    ledgers.push(observation.ledger);
    t.verdicts[verdict] = (t.verdicts[verdict] ?? 0) + 1;
    if (verdict !== 'pass' && t.notPassing.length < 10) t.notPassing.push(`${c.id}: ${verdict}`);
  }
  t.engine += performance.now() - started;
  return ledgers;
}

async function floorsOf(block: readonly ConformanceCase[], ledgers: readonly LedgerEntry[][], t: Totals): Promise<void> {
  const sent: ReplayedRequest[][] = [];
  let started = performance.now();
  for (let i = 0; i < block.length; i++) sent.push(await replayThroughGetResponse(block[i]!, ledgers[i]!));
  t.getResponse += performance.now() - started;
  started = performance.now();
  for (let i = 0; i < block.length; i++) await replayNative(sent[i]!, ledgers[i]!.map((e) => e.response?.status ?? 0));
  t.native += performance.now() - started;
  t.requests += ledgers.reduce((n, l) => n + l.length, 0);
}

/** Every case (or every `step`-th) against `client`, paired with its floors. */
export async function measureExecution(client: ClientUnderTest, environment: CaseEnvironment, step = 1): Promise<ExecutionFigures> {
  const cases = allCases().filter((_, i) => i % step === 0);
  const t: Totals = { engine: 0, getResponse: 0, native: 0, requests: 0, verdicts: {}, notPassing: [] };
  for (let from = 0; from < cases.length; from += BLOCK) {
    const block = cases.slice(from, from + BLOCK);
    await floorsOf(block, await runBlock(block, client, environment, t), t);
  }
  const perRequest = (ms: number): number => ms / Math.max(1, t.requests);
  return {
    cases: cases.length,
    requests: t.requests,
    ms: t.engine,
    msPerCase: t.engine / cases.length,
    msPerRequest: perRequest(t.engine),
    getResponseMsPerRequest: perRequest(t.getResponse),
    nativeMsPerRequest: perRequest(t.native),
    vsGetResponse: t.engine / t.getResponse,
    vsNative: t.engine / t.native,
    verdicts: t.verdicts,
    notPassing: t.notPassing,
  };
}
