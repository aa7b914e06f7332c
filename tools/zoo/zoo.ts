// The zoo: deliberately broken clients, each wrong in one behaviour, each with its expectation as data:
// fixtures/clients/zoo and fixtures/clients/protocol (the reference client with one fault set through an
// option) and fixtures/clients/scratch (clients written from the rules, in TypeScript in-process and in
// Python over the process protocol). The self-tests and the kill table (kill-table.ts) read these lists
// and judge them with the one function below, so they cannot disagree.
import { readdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decidedByFetch, FETCH_STEP_RULES } from '../../fixtures/clients/on-fetch.js';
import { FIRST_STATUS, LAST_STATUS, ruleById } from '../../src/rules/index.js';
import type { RelayForm } from '../../src/server/index.js';
import {
  allCases,
  persistentFailureCases,
  realTimeProfile,
  statusMatrixCases,
  VIRTUAL_PROFILE,
  type CaseKind,
  type ConformanceCase,
  type TimingProfile,
} from '../../src/harness/cases.js';
import { importClientModule, unwrapCommonJs } from '../../src/harness/client-module.js';
import { checkClient, type ClientCapabilities, type ClientUnderTest, type JobType } from '../../src/harness/contract.js';
import type { CaseEnvironment } from '../../src/harness/environment.js';
import { judge, type CaseVerdict, type Judgement } from '../../src/harness/judge/index.js';
import type { Observation } from '../../src/harness/observation.js';
import { ProcessClient } from '../../src/harness/process-client.js';
import { runCase } from '../../src/harness/run-case.js';
import { TcpEnvironment } from '../../src/harness/tcp-environment.js';

/** A status, or an inclusive range of them. */
export type StatusSpan = number | readonly [number, number];

/**
 * A set of cases, described the way the matrix is built: the status-matrix and retry-until-npt cases of
 * these statuses (an absent field means all of them), and the protocol scenarios named in `scenarios`.
 */
export interface CaseScope {
  statuses: readonly StatusSpan[];
  kinds?: readonly Exclude<CaseKind, 'scenario'>[];
  relays?: readonly RelayForm[];
  jobTypes?: readonly JobType[];
  /** Scenario cases (src/harness/scenarios.ts) by name: they are about the wire, not a status, so they are named. */
  scenarios?: readonly string[];
}

/** What a zoo member gets wrong and how the suite must catch it. */
export interface ZooExpectation {
  /** The one behaviour that differs from a correct client, in a sentence. */
  fault: string;
  /** The rules the fault breaks: every case it is caught on names at least one of them. */
  rules: readonly string[];
  /**
   * Rules that the same cases may name as well, because the fault leads there: a wrong class means no
   * retry (TRANSIENT-RETRY) or traffic after a fatal status (JOB-FATAL); a claimed success means no
   * error to read (APP-CONTEXT); a wrong code in a 1xx or alt-header case also names the relay rule the
   * client may have missed (RELAY-1XX, RELAY-ALT-HEADER). Any other rule is unrelated.
   */
  consequences?: readonly string[];
  /** The cases the fault shows in, over the whole suite: exactly these fail (checked by `npm run zoo -- --full`). */
  scope: CaseScope;
  /** Cases of the scope that the fast self-test runs: each must fail. Chosen so that every rule in `rules` shows. */
  cases: readonly string[];
  /**
   * The member sends with Node's fetch, so the cases fetch decides (a relayed 407 and 421,
   * fixtures/clients/on-fetch.ts) fail whatever its fault: they are its fetch's, not its own. Each must
   * fail, on fetch's rules or the member's, and counts as neither related nor unrelated.
   */
  onFetch?: true;
}

interface MemberBase {
  /** The module's file name without extension: the name in the kill table. */
  id: string;
  /** Path of the module from the repository root. */
  file: string;
  expectation: ZooExpectation;
}

/** A client module loaded in this process: `npm start -- --client <file>` runs the whole suite against it. */
export interface InProcessMember extends MemberBase {
  client: ClientUnderTest;
}

/**
 * A client in another process (any language): the module exports the `command` that starts it, run in
 * the repository root; `npm start -- --client-cmd "<command>"` runs the whole suite against it.
 */
export interface ProcessMember extends MemberBase {
  command: string;
}

export type ZooMember = InProcessMember | ProcessMember;

export const isProcessMember = (m: ZooMember): m is ProcessMember => 'command' in m;

/** What decides a member's cases: its expectation, and whether it runs in another process (a `command`). */
export type MemberPlan = Pick<MemberBase, 'id' | 'expectation'> & { command?: string };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ZOO_DIR = join(ROOT, 'fixtures', 'clients', 'zoo');
export const PROTOCOL_ZOO_DIR = join(ROOT, 'fixtures', 'clients', 'protocol');
export const SCRATCH_ZOO_DIR = join(ROOT, 'fixtures', 'clients', 'scratch');
/** Faults on a second client written from the rules (fixtures/clients/plain-client.ts), for the rules the others leave. */
export const PROBE_ZOO_DIR = join(ROOT, 'fixtures', 'clients', 'probes');
/** Every directory of members, in the order the kill table lists them. */
export const ZOO_DIRS = [ZOO_DIR, PROTOCOL_ZOO_DIR, SCRATCH_ZOO_DIR, PROBE_ZOO_DIR] as const;

type MemberModule = { default?: unknown; command?: unknown; expectation?: ZooExpectation };

/** One member module: a default-exported client, or a `command` for a client in another process. */
export async function loadMember(path: string): Promise<ZooMember> {
  const file = relative(ROOT, path);
  const mod = (await importClientModule(path, file)) as MemberModule;
  if (!mod.expectation) throw new Error(`zoo member ${file}: no \`expectation\` export`);
  const base = { id: basename(path, '.ts'), file, expectation: mod.expectation };
  if (mod.command !== undefined) {
    if (typeof mod.command !== 'string' || mod.command.trim() === '') throw new Error(`zoo member ${file}: \`command\` must be a non-empty string`);
    if (mod.default !== undefined) throw new Error(`zoo member ${file}: exports both a client and a \`command\`; a member is one or the other`);
    return { ...base, command: mod.command };
  }
  const checked = checkClient(unwrapCommonJs(mod.default));
  if ('problem' in checked) throw new Error(`zoo member ${file}: ${checked.problem}`);
  return { ...base, client: checked.client };
}

/** The member modules of a directory, by file name. */
async function memberFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
}

/** Every module in a directory of members: adding a member is adding a file, so none can be left out. */
export async function loadZoo(dir = ZOO_DIR): Promise<ZooMember[]> {
  const members: ZooMember[] = [];
  for (const f of await memberFiles(dir)) members.push(await loadMember(join(dir, f)));
  return members;
}

/** The names of every member of ZOO_DIRS, without loading one. */
export async function memberIds(): Promise<string[]> {
  return (await Promise.all(ZOO_DIRS.map(memberFiles))).flat().map((f) => basename(f, '.ts'));
}

/** The members of every directory in ZOO_DIRS. */
export async function loadAllMembers(): Promise<ZooMember[]> {
  const members = (await Promise.all(ZOO_DIRS.map((dir) => loadZoo(dir)))).flat();
  const twice = members.filter((m, i) => members.findIndex((o) => o.id === m.id) !== i);
  if (twice.length) throw new Error(`zoo members with the same name in two directories: ${twice.map((m) => m.file).join(', ')}`);
  return members;
}

/** Writes statuses and ranges out as numbers. */
export function statusesOf(spans: readonly StatusSpan[]): number[] {
  return spans.flatMap((s) => (typeof s === 'number' ? [s] : Array.from({ length: s[1] - s[0] + 1 }, (_, i) => s[0] + i)));
}

export function inScope(c: ConformanceCase, scope: CaseScope): boolean {
  if (c.kind === 'scenario') return !!c.scenario && !!scope.scenarios?.includes(c.scenario);
  return (
    statusesOf(scope.statuses).includes(c.status) &&
    (!scope.kinds || scope.kinds.includes(c.kind)) &&
    (!scope.relays || scope.relays.includes(c.relay)) &&
    (!scope.jobTypes || scope.jobTypes.includes(c.jobType))
  );
}

/**
 * The control set every member runs besides its own cases: the statuses that discriminate between the
 * classes (the spec's list, plus each class boundary), in two variants that between them cover both
 * relay forms and both job types (a client that declares no upload-reply runs the second as a plain
 * upload), and the seven persistent failures with short timings.
 */
export const CONTROL_STATUSES = [100, 199, 200, 201, 204, 299, 300, 305, 306, 307, 308, 399, 400, 403, 404, 408, 409, 429, 449, 499, 500, 501, 503, 505, 506, 599] as const;

function controlVariants(capabilities: ClientCapabilities): { relay: RelayForm; jobType: JobType }[] {
  return [
    { relay: 'mirror', jobType: 'upload' },
    { relay: 'alt-header', jobType: capabilities.uploadReply ? 'upload-reply' : 'upload' },
  ];
}

/** What a client in another process is judged on: the wall clock, as `--client-cmd` runs it. */
export const REAL_TIME_PROFILE = realTimeProfile();

/** The timings a member is judged with: virtual time in-process, the wall clock in another process. */
export const profileOf = (member: MemberPlan): TimingProfile => (member.command !== undefined ? REAL_TIME_PROFILE : VIRTUAL_PROFILE);

const matrixCase = (status: number, relay: RelayForm, jobType: JobType, profile: TimingProfile): ConformanceCase =>
  statusMatrixCases({ from: status, to: status, relays: [relay], jobTypes: [jobType], timing: profile.matrix })[0]!;

const EVERY_CAPABILITY: ClientCapabilities = { uploadReply: true };

export function controlCases(profile: TimingProfile = VIRTUAL_PROFILE, capabilities: ClientCapabilities = EVERY_CAPABILITY): ConformanceCase[] {
  const matrix = CONTROL_STATUSES.flatMap((s) => controlVariants(capabilities).map((v) => matrixCase(s, v.relay, v.jobType, profile)));
  // The 14-day case is left to --full: it adds seconds and no status the short ones lack.
  return [...matrix, ...persistentFailureCases(profile).filter((c) => !c.id.endsWith('/windows-defaults'))];
}

const everyCase = new Map<TimingProfile, Map<string, ConformanceCase>>();
/** Every case of the suite by id, with the profile's timings (in-process by default: virtual time, the 14-day case included). */
export function caseById(id: string, profile: TimingProfile = VIRTUAL_PROFILE): ConformanceCase | undefined {
  let cases = everyCase.get(profile);
  if (!cases) everyCase.set(profile, (cases = new Map(allCases(profile).map((c) => [c.id, c]))));
  return cases.get(id);
}

/** The same variant one status below and above: where an off-by-one in the fault would show. */
function neighbours(c: ConformanceCase, profile: TimingProfile): ConformanceCase[] {
  if (c.kind !== 'status-matrix') return [];
  return [c.status - 1, c.status + 1].filter((s) => s >= FIRST_STATUS && s <= LAST_STATUS).map((s) => matrixCase(s, c.relay, c.jobType, profile));
}

/** What the fast self-test and the default kill table run for a member: its cases, their neighbours and the control set. */
export function fastRunOf(member: MemberPlan, capabilities: ClientCapabilities = EVERY_CAPABILITY): ConformanceCase[] {
  const profile = profileOf(member);
  const own = member.expectation.cases.map((id) => {
    const c = caseById(id, profile);
    if (!c) throw new Error(`zoo member ${member.id}: no case has the id ${id}`);
    return c;
  });
  const byId = new Map<string, ConformanceCase>();
  for (const c of [...own, ...own.flatMap((o) => neighbours(o, profile)), ...controlCases(profile, capabilities)]) byId.set(c.id, c);
  return [...byId.values()];
}

/** What to run: the fast run, the whole suite, or the given cases as they are. */
export type CasePlan = 'fast' | 'full' | readonly ConformanceCase[];

/** Cases the client can take: an upload-reply case is left out when the client does not declare it (the suite reports it unsupported). */
export function casesOf(member: MemberPlan, plan: CasePlan, capabilities: ClientCapabilities): readonly ConformanceCase[] {
  if (typeof plan !== 'string') return plan;
  const supported = (c: ConformanceCase): boolean => c.jobType !== 'upload-reply' || capabilities.uploadReply === true;
  return (plan === 'full' ? allCases(profileOf(member)) : fastRunOf(member, capabilities)).filter(supported);
}

/**
 * Cases of a client in another process at once, as the suite runs them side by side on the wall clock
 * (src/harness/suite.ts, up to 64). The fast run takes 32: measured on two shared cores, a process
 * member's fast run takes 16 s at 16, 10 s at 32 and 9 s at 64 (its longest cases bound it).
 */
export const PROCESS_CONCURRENCY = { fast: 32, full: 64 } as const;

/** Where a client's cases run and how many at once; close() ends the client and its server. */
export interface RunTarget {
  client: ClientUnderTest;
  /** Where its cases run: in-process (msw, virtual time) when undefined, else over real TCP. */
  environment?: CaseEnvironment;
  concurrency: number;
  close(): Promise<void>;
}

/** A client command in its own process group, with its own TCP server; close() kills the process group. */
export async function processTarget(command: string, concurrency: number): Promise<RunTarget> {
  const environment = await new TcpEnvironment().start();
  let client: ProcessClient;
  try {
    client = await ProcessClient.start(command, { cwd: ROOT });
  } catch (error) {
    await environment.close();
    throw error;
  }
  return {
    client,
    environment,
    concurrency,
    close: async () => {
      await client.close();
      await environment.close();
    },
  };
}

function openTarget(member: ZooMember, concurrency: number): Promise<RunTarget> {
  if (!isProcessMember(member)) return Promise.resolve({ client: member.client, concurrency: 1, close: async () => {} });
  return processTarget(member.command, concurrency);
}

/** Runs every case, `concurrency` at a time, handing each observation on as it comes. */
export async function observeAll(cases: readonly ConformanceCase[], target: RunTarget, each: (c: ConformanceCase, o: Observation) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      each(c, await runCase(c, target.client, target.environment));
    }
  };
  await Promise.all(Array.from({ length: Math.min(target.concurrency, cases.length) }, worker));
}

/**
 * Runs the plan's cases against a member (in a client process of its own over real TCP, on the wall
 * clock, for a process member; the process group is killed afterwards) and hands on each observation.
 * Returns the cases, as the client's declared capabilities selected them.
 */
export async function observeMember(member: ZooMember, plan: CasePlan, each: (c: ConformanceCase, o: Observation) => void): Promise<{ cases: readonly ConformanceCase[]; capabilities: ClientCapabilities }> {
  const target = await openTarget(member, PROCESS_CONCURRENCY[plan === 'full' ? 'full' : 'fast']);
  try {
    const capabilities = target.client.capabilities ?? {};
    const cases = casesOf(member, plan, capabilities);
    await observeAll(cases, target, each);
    return { cases, capabilities };
  } finally {
    await target.close();
  }
}

export type KillStatus = 'caught' | 'missed' | 'imprecise';

/** One case of a member's run and its judgement: what the kill table holds to the member's expectation. */
export interface JudgedCase {
  c: ConformanceCase;
  judgement: Judgement;
}

/** How a member's judged run measures up to its expectation (holdToExpectation). */
export interface KillVerdict {
  /** caught: all of holdToExpectation's conditions hold; missed: no case failed on a rule of `rules`; imprecise: caught, but not cleanly. */
  status: KillStatus;
  /** The rules of `rules` that the run's failures named, in the order first seen. */
  rulesBroken: string[];
  /** The rules of `consequences` they named. */
  consequencesNamed: string[];
  related: number;
  failed: number;
  /** Cases that broke only SHOULD rules (warn): how a SHOULD fault is caught. */
  warned: number;
  /** Every departure from the expectation, one sentence each; empty when caught. */
  problems: string[];
  /** Index of the first judged case that caught the fault (undefined if none did). */
  firstCatch: number | undefined;
}

export interface KillResult extends Omit<KillVerdict, 'firstCatch'> {
  id: string;
  ran: number;
  /** From the start of the run to the end of the first case that caught the fault (undefined if none did). */
  firstCatchMs: number | undefined;
  ms: number;
}

/**
 * Holds a member's judged cases to its expectation: the kill table's whole judgement, a function of the
 * judgements alone, so a live run (killMember) and a replay of recorded observations
 * (tools/mutation/judge-replay.suite.ts) cannot disagree. A case is *related* when it is in the member's
 * scope; a rule is *related* when it is in `rules` or `consequences`. Caught means all of:
 * - every related case is flagged (fails; or warns, when the fault breaks a SHOULD: the suite warns on
 *   those and fails them under --strict), names at least one rule of `rules`, and names no unrelated rule;
 * - every unrelated case passes with no failure at all (not even a SHOULD);
 * - every rule of `rules` and `consequences` is named by some failure (the lists are exact, not padded);
 * - every failure says what went wrong (a failure with no message is a verdict nobody can act on);
 * - for a member on fetch (`onFetch`), every case fetch decides fails, on fetch's rules or the member's;
 * - no case ends in `error` (an error is never a catch).
 */
export function holdToExpectation(expectation: ZooExpectation, judged: readonly JudgedCase[]): KillVerdict {
  const primary = new Set(expectation.rules);
  const listed = new Set([...expectation.rules, ...(expectation.consequences ?? [])]);
  const problems: string[] = [];
  const broken: string[] = [];
  const tally = { related: 0, failed: 0, warned: 0 };
  let firstCatch: number | undefined;
  for (const [i, { c, judgement }] of judged.entries()) {
    const rules = [...new Set(judgement.failures.map((f) => f.rule))];
    for (const r of rules) if (!broken.includes(r)) broken.push(r);
    if (judgement.verdict === 'fail') tally.failed += 1;
    if (judgement.verdict === 'warn') tally.warned += 1;
    for (const f of judgement.failures.filter((x) => !x.message.trim())) problems.push(`${c.id}: a failure of ${f.rule} says nothing`);
    if (judgement.verdict === 'error') problems.push(`${c.id}: error (${judgement.reason ?? 'no reason'})`);
    else if (expectation.onFetch && decidedByFetch(c)) {
      const stray = rules.filter((r) => !FETCH_STEP_RULES.includes(r) && !listed.has(r));
      if (judgement.verdict !== 'fail') problems.push(`${c.id}: a case fetch decides, not failed (verdict ${judgement.verdict})`);
      else if (stray.length) problems.push(`${c.id}: a case fetch decides names ${stray.join(', ')}, neither fetch's rules nor the expected ones`);
    } else if (inScope(c, expectation.scope)) {
      tally.related += 1;
      if (relatedCaseProblems(c, judgement.verdict, rules, primary, listed, problems)) firstCatch ??= i;
    } else if (judgement.verdict !== 'pass' || rules.length) {
      problems.push(`${c.id}: unrelated case flagged (verdict ${judgement.verdict}: ${judgement.failures.map((f) => `[${f.rule}] ${f.message}`).join('; ')})`);
    }
  }
  const unseen = [...listed].filter((r) => !broken.includes(r));
  if (unseen.length) problems.push(`expected rule(s) never named: ${unseen.join(', ')}`);
  return {
    status: firstCatch === undefined ? 'missed' : problems.length ? 'imprecise' : 'caught',
    rulesBroken: broken.filter((r) => primary.has(r)),
    consequencesNamed: broken.filter((r) => listed.has(r) && !primary.has(r)),
    ...tally,
    problems,
    firstCatch,
  };
}

/** A related case's problems, pushed onto `problems`; true when the case catches the fault (flagged on a rule of `rules`). */
function relatedCaseProblems(c: ConformanceCase, verdict: CaseVerdict, rules: string[], primary: ReadonlySet<string>, listed: ReadonlySet<string>, problems: string[]): boolean {
  const onPrimary = rules.some((r) => primary.has(r));
  // A warning flags only SHOULD rules: it catches a fault whose expected rule is a SHOULD.
  const flagged = verdict === 'fail' || (verdict === 'warn' && rules.some((r) => primary.has(r) && ruleById(r).level === 'SHOULD'));
  if (!flagged) problems.push(`${c.id}: missed (verdict ${verdict}${rules.length ? `, ${rules.join(', ')}` : ''})`);
  else if (!onPrimary) problems.push(`${c.id}: failed, but on none of the expected rules (${rules.join(', ')})`);
  const stray = rules.filter((r) => !listed.has(r));
  if (stray.length) problems.push(`${c.id}: names ${stray.join(', ')}, not in the expected rules`);
  return flagged && onPrimary;
}

/** Runs the plan's cases against the member, judges each, and holds the judgements to its expectation (holdToExpectation). */
export async function killMember(member: ZooMember, plan: CasePlan = 'fast'): Promise<KillResult> {
  const started = performance.now();
  const judged: JudgedCase[] = [];
  const finished: number[] = [];
  await observeMember(member, plan, (c, o) => {
    judged.push({ c, judgement: judge(c, o) });
    finished.push(performance.now() - started);
  });
  const { firstCatch, ...verdict } = holdToExpectation(member.expectation, judged);
  return { id: member.id, ...verdict, ran: judged.length, firstCatchMs: firstCatch === undefined ? undefined : finished[firstCatch], ms: performance.now() - started };
}
