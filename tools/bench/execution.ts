// The suite's engine per case and per request, paired with its floors: every case of allCases() runs
// through runCase and the judge (what `npm start` runs inside vitest, without vitest), in blocks; after
// each block the same requests are replayed through bare getResponse on the same handlers, then as
// native Request and Response (floor.ts). Alternating in blocks keeps the three on the same load.
import { allCases, type ConformanceCase } from '../../src/harness/cases.js';
import type { ClientUnderTest } from '../../src/harness/contract.js';
import type { CaseEnvironment, CaseStage, ServerSpec } from '../../src/harness/environment.js';
import type { SettleProbe } from '../../src/harness/clock.js';
import { judge, type CaseVerdict } from '../../src/harness/judge/index.js';
import { runCase } from '../../src/harness/run-case.js';
import { BitsServerPool, type LedgerEntry } from '../../src/server/index.js';
import { bodyWhenBytes, replayNative, replayThroughGetResponse, type ReplayedRequest, type SentBodies } from './floor.js';

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

type FetchCall = Parameters<typeof fetch>;

/**
 * The environment, with each case's fetch calls kept as the client made them (a look at the arguments
 * after the block, not in the timed part): the floor sends a body where the client sent one.
 */
class FetchCallTap implements CaseEnvironment {
  readonly transport: CaseEnvironment['transport'];
  calls: FetchCall[] = [];

  constructor(private readonly inner: CaseEnvironment) {
    this.transport = inner.transport;
  }

  ready(): Promise<void> {
    return this.inner.ready?.() ?? Promise.resolve();
  }

  open(spec: ServerSpec, probe: Omit<SettleProbe, 'busy'>): CaseStage {
    const stage = this.inner.open(spec, probe);
    // The case's fetch, just put in place; closing the stage puts back the one from before it.
    const send = globalThis.fetch;
    const calls: FetchCall[] = (this.calls = []);
    globalThis.fetch = (...args: FetchCall) => {
      calls.push(args);
      return send(...args);
    };
    return stage;
  }
}

/** Which ledger entries came from a fetch call with a body: matched to the calls by method, URL and packet type, in order. */
function sentBodies(calls: readonly FetchCall[]): SentBodies {
  const made = calls.map(([input, init]) => {
    const request = input instanceof Request ? input : undefined;
    return {
      key: `${init?.method ?? request?.method ?? 'GET'} ${new URL(request?.url ?? String(input)).href} ${new Headers(init?.headers ?? request?.headers).get('BITS-Packet-Type') ?? ''}`,
      withBody: init?.body != null || (request?.body ?? null) !== null,
    };
  });
  const keyOf = (e: LedgerEntry): string => `${e.method} ${e.url} ${e.packetType === 'GET' || e.packetType === 'unknown' ? '' : e.packetType}`;
  const matched = new Map<LedgerEntry, boolean>();
  let from = 0;
  return (e) => {
    if (matched.has(e)) return matched.get(e)!;
    const at = made.findIndex((m, i) => i >= from && m.key === keyOf(e));
    // A request fetch sent again by itself (a 421) has no call of its own: it is the last call's.
    const call = at >= 0 ? made[at] : made.slice(0, from).reverse().find((m) => m.key === keyOf(e));
    if (at >= 0) from = at + 1;
    const withBody = call?.withBody ?? bodyWhenBytes(e);
    matched.set(e, withBody);
    return withBody;
  };
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

/** What a case left for its floors: the requests the server saw, and the client's fetch calls. */
interface CaseRequests {
  ledger: LedgerEntry[];
  calls: FetchCall[];
}

async function runBlock(block: readonly ConformanceCase[], client: ClientUnderTest, environment: FetchCallTap, t: Totals): Promise<CaseRequests[]> {
  const runs: CaseRequests[] = [];
  const started = performance.now();
  for (const c of block) {
    const observation = await runCase(c, client, environment);
    const { verdict } = judge(c, observation);
    runs.push({ ledger: observation.ledger, calls: environment.calls });
    t.verdicts[verdict] = (t.verdicts[verdict] ?? 0) + 1;
    if (verdict !== 'pass' && t.notPassing.length < 10) t.notPassing.push(`${c.id}: ${verdict}`);
  }
  t.engine += performance.now() - started;
  return runs;
}

async function floorsOf(block: readonly ConformanceCase[], runs: readonly CaseRequests[], pool: BitsServerPool, t: Totals): Promise<void> {
  const bodies = runs.map((r) => sentBodies(r.calls));
  for (const [i, r] of runs.entries()) r.ledger.forEach(bodies[i]!); // matched before the timing starts
  const sent: ReplayedRequest[][] = [];
  let started = performance.now();
  for (let i = 0; i < block.length; i++) sent.push(await replayThroughGetResponse(block[i]!, runs[i]!.ledger, pool, bodies[i]));
  t.getResponse += performance.now() - started;
  started = performance.now();
  for (let i = 0; i < block.length; i++) await replayNative(sent[i]!, runs[i]!.ledger.map((e) => e.response?.status ?? 0));
  t.native += performance.now() - started;
  t.requests += runs.reduce((n, r) => n + r.ledger.length, 0);
}

/** Every case (or every `step`-th) against `client`, paired with its floors. */
export async function measureExecution(client: ClientUnderTest, environment: CaseEnvironment, step = 1): Promise<ExecutionFigures> {
  const cases = allCases().filter((_, i) => i % step === 0);
  const t: Totals = { engine: 0, getResponse: 0, native: 0, requests: 0, verdicts: {}, notPassing: [] };
  const tapped = new FetchCallTap(environment);
  // The floor's handlers are built once, as the worker's are.
  const pool = new BitsServerPool();
  for (let from = 0; from < cases.length; from += BLOCK) {
    const block = cases.slice(from, from + BLOCK);
    await floorsOf(block, await runBlock(block, client, tapped, t), pool, t);
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
