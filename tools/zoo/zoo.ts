// The zoo: deliberately broken clients under fixtures/clients/zoo, each wrong in one behaviour, each
// with its expectation as data. The self-test (zoo.test.ts) and the kill table (kill-table.ts) both
// read this one list and judge it with the one function below, so they cannot disagree.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FIRST_STATUS, LAST_STATUS } from '../../src/rules/index.js';
import type { RelayForm } from '../../src/server/index.js';
import { allCases, persistentFailureCases, statusMatrixCases, type CaseKind, type ConformanceCase } from '../../src/harness/cases.js';
import { checkClient, type ClientUnderTest, type JobType } from '../../src/harness/contract.js';
import { judge, type CaseVerdict } from '../../src/harness/judge/index.js';
import { runCase } from '../../src/harness/run-case.js';

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
}

export interface ZooMember {
  /** The module's file name without extension: the name in the kill table. */
  id: string;
  /** Path from the repository root: `npm start -- --client <file>` runs the whole suite against it. */
  file: string;
  client: ClientUnderTest;
  expectation: ZooExpectation;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ZOO_DIR = join(ROOT, 'fixtures', 'clients', 'zoo');

/** Every module in fixtures/clients/zoo: adding a member is adding a file, so none can be left out. */
export async function loadZoo(dir = ZOO_DIR): Promise<ZooMember[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  const members: ZooMember[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: unknown; expectation?: ZooExpectation };
    const checked = checkClient(mod.default);
    if ('problem' in checked) throw new Error(`zoo member ${f}: ${checked.problem}`);
    if (!mod.expectation) throw new Error(`zoo member ${f}: no \`expectation\` export`);
    members.push({ id: basename(f, '.ts'), file: `fixtures/clients/zoo/${f}`, client: checked.client, expectation: mod.expectation });
  }
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
 * relay forms and both job types, and the seven persistent failures with short timings.
 */
export const CONTROL_STATUSES = [100, 199, 200, 201, 204, 299, 300, 305, 306, 307, 308, 399, 400, 403, 404, 408, 409, 429, 449, 499, 500, 501, 503, 505, 506, 599] as const;
const CONTROL_VARIANTS: readonly { relay: RelayForm; jobType: JobType }[] = [
  { relay: 'mirror', jobType: 'upload' },
  { relay: 'alt-header', jobType: 'upload-reply' },
];

const matrixCase = (status: number, relay: RelayForm, jobType: JobType): ConformanceCase =>
  statusMatrixCases({ from: status, to: status, relays: [relay], jobTypes: [jobType] })[0]!;

export function controlCases(): ConformanceCase[] {
  const matrix = CONTROL_STATUSES.flatMap((s) => CONTROL_VARIANTS.map((v) => matrixCase(s, v.relay, v.jobType)));
  // The 14-day case is left to --full: it adds seconds and no status the short ones lack.
  return [...matrix, ...persistentFailureCases().filter((c) => !c.id.endsWith('/windows-defaults'))];
}

let everyCase: Map<string, ConformanceCase> | undefined;
/** Every case of the suite by id (the in-process profile: virtual time, the 14-day case included). */
export function caseById(id: string): ConformanceCase | undefined {
  everyCase ??= new Map(allCases().map((c) => [c.id, c]));
  return everyCase.get(id);
}

/** The same variant one status below and above: where an off-by-one in the fault would show. */
function neighbours(c: ConformanceCase): ConformanceCase[] {
  if (c.kind !== 'status-matrix') return [];
  return [c.status - 1, c.status + 1].filter((s) => s >= FIRST_STATUS && s <= LAST_STATUS).map((s) => matrixCase(s, c.relay, c.jobType));
}

/** What the fast self-test and the default kill table run for a member: its cases, their neighbours and the control set. */
export function fastRunOf(member: ZooMember): ConformanceCase[] {
  const own = member.expectation.cases.map((id) => {
    const c = caseById(id);
    if (!c) throw new Error(`zoo member ${member.id}: no case has the id ${id}`);
    return c;
  });
  const byId = new Map<string, ConformanceCase>();
  for (const c of [...own, ...own.flatMap(neighbours), ...controlCases()]) byId.set(c.id, c);
  return [...byId.values()];
}

export type KillStatus = 'caught' | 'missed' | 'imprecise';

export interface CaseOutcome {
  id: string;
  related: boolean;
  verdict: CaseVerdict;
  rules: string[];
}

export interface KillResult {
  id: string;
  /** caught: all of killMember's conditions hold; missed: no case failed on a rule of `rules`; imprecise: caught, but not cleanly. */
  status: KillStatus;
  /** The rules of `rules` that the run's failures named, in the order first seen. */
  rulesBroken: string[];
  /** The rules of `consequences` they named. */
  consequencesNamed: string[];
  ran: number;
  related: number;
  failed: number;
  /** Every departure from the expectation, one sentence each; empty when caught. */
  problems: string[];
  /** From the start of the run to the end of the first case that caught the fault (undefined if none did). */
  firstCatchMs: number | undefined;
  ms: number;
}

/**
 * Runs `cases` against the member and holds the verdicts to its expectation. A case is *related* when
 * it is in the member's scope; a rule is *related* when it is in `rules` or `consequences`. Caught
 * means all of:
 * - every related case that ran fails (a MUST broken), names at least one rule of `rules`, and names
 *   no unrelated rule;
 * - every unrelated case that ran passes with no failure at all (not even a SHOULD);
 * - every rule of `rules` and `consequences` is named by some failure (the lists are exact, not padded);
 * - no case ends in `error` (an error is never a catch).
 */
export async function killMember(member: ZooMember, cases: readonly ConformanceCase[], onCase?: (o: CaseOutcome) => void): Promise<KillResult> {
  const { expectation } = member;
  const primary = new Set(expectation.rules);
  const listed = new Set([...expectation.rules, ...(expectation.consequences ?? [])]);
  const problems: string[] = [];
  const broken: string[] = [];
  let related = 0;
  let failed = 0;
  let caughtOnListedRule = false;
  let firstCatchMs: number | undefined;
  const started = performance.now();
  for (const c of cases) {
    const judgement = judge(c, await runCase(c, member.client));
    const rules = [...new Set(judgement.failures.map((f) => f.rule))];
    const isRelated = inScope(c, expectation.scope);
    onCase?.({ id: c.id, related: isRelated, verdict: judgement.verdict, rules });
    for (const r of rules) if (!broken.includes(r)) broken.push(r);
    if (judgement.verdict === 'fail') failed += 1;
    if (judgement.verdict === 'error') {
      problems.push(`${c.id}: error (${judgement.reason ?? 'no reason'})`);
      continue;
    }
    if (isRelated) {
      related += 1;
      const onPrimary = rules.some((r) => primary.has(r));
      if (judgement.verdict !== 'fail') problems.push(`${c.id}: missed (verdict ${judgement.verdict}${rules.length ? `, ${rules.join(', ')}` : ''})`);
      else if (!onPrimary) problems.push(`${c.id}: failed, but on none of the expected rules (${rules.join(', ')})`);
      const stray = rules.filter((r) => !listed.has(r));
      if (stray.length) problems.push(`${c.id}: names ${stray.join(', ')}, not in the expected rules`);
      if (judgement.verdict === 'fail' && onPrimary) {
        caughtOnListedRule = true;
        firstCatchMs ??= performance.now() - started;
      }
    } else if (judgement.verdict !== 'pass' || rules.length) {
      problems.push(`${c.id}: unrelated case flagged (verdict ${judgement.verdict}: ${judgement.failures.map((f) => `[${f.rule}] ${f.message}`).join('; ')})`);
    }
  }
  const unseen = [...listed].filter((r) => !broken.includes(r));
  if (unseen.length) problems.push(`expected rule(s) never named: ${unseen.join(', ')}`);
  const status: KillStatus = !caughtOnListedRule ? 'missed' : problems.length ? 'imprecise' : 'caught';
  return {
    id: member.id,
    status,
    rulesBroken: broken.filter((r) => primary.has(r)),
    consequencesNamed: broken.filter((r) => listed.has(r) && !primary.has(r)),
    ran: cases.length,
    related,
    failed,
    problems,
    firstCatchMs,
    ms: performance.now() - started,
  };
}
