// Records the observations the judge's mutation run replays (observations.ts says what and why):
// every zoo member's fast run, and every case of the conformant clients. Does nothing when the records
// carry the current key; `--force` records them anyway. Before it writes, it judges every record with
// the judge as it is: each member must be caught precisely and each conformant client must pass (under
// --strict), or the replay would start from a wrong baseline. A member or client on the wall clock is
// run again (up to three times) when the clock spoiled a run.
//
//   npx tsx tools/mutation/record.ts [--force]
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConformanceCase } from '../../src/harness/cases.js';
import type { ClientCapabilities } from '../../src/harness/contract.js';
import { judge } from '../../src/harness/judge/index.js';
import type { Observation } from '../../src/harness/observation.js';
import { holdToExpectation, isProcessMember, loadAllMembers, observeAll, observeMember, type ZooMember } from '../zoo/zoo.js';
import { observationKey } from './observation-key.js';
import { CONFORMANT_CLIENTS, OBSERVATIONS_DIR, readIndex, runFingerprint, writeAtomically, type ConformantClient, type ObservationIndex, type SubjectIndex } from './observations.js';

const ATTEMPTS = 3;

interface Recorded {
  index: SubjectIndex;
  observations: Record<string, Observation>;
}

/** What the replay will see: the observation as JSON gives it back. */
const asRecorded = (o: Observation): Observation => JSON.parse(JSON.stringify(o)) as Observation;

/** The runs in the order of the plan (cases on the wall clock end in any order). */
function recorded(subject: Pick<SubjectIndex, 'kind' | 'member' | 'capabilities'>, plan: readonly ConformanceCase[], finished: readonly { c: ConformanceCase; o: Observation }[]): Recorded {
  const runs = [...finished].sort((a, b) => plan.indexOf(a.c) - plan.indexOf(b.c));
  return {
    index: { ...subject, cases: runs.map(({ c }) => ({ id: c.id, run: runFingerprint(c) })) },
    observations: Object.fromEntries(runs.map(({ c, o }) => [c.id, o])),
  };
}

async function recordMember(member: ZooMember): Promise<Recorded> {
  for (let attempt = 1; ; attempt++) {
    const runs: { c: ConformanceCase; o: Observation }[] = [];
    const { cases, capabilities } = await observeMember(member, 'fast', (c, o) => runs.push({ c, o: asRecorded(o) }));
    const verdict = holdToExpectation(member.expectation, runs.map(({ c, o }) => ({ c, judgement: judge(c, o) })));
    const plan = { id: member.id, expectation: member.expectation, ...(isProcessMember(member) ? { command: member.command } : {}) };
    if (verdict.status === 'caught') return recorded({ kind: 'member', member: plan, capabilities }, cases, runs);
    const why = `${member.id}: ${verdict.status}: ${verdict.problems.slice(0, 3).join('; ')}`;
    if (!isProcessMember(member) || attempt === ATTEMPTS) throw new Error(`the kill table does not hold with the judge as it is (${why}): fix that before a mutation run`);
    console.log(`  ${why}; on the wall clock: again`);
  }
}

async function recordConformant(client: ConformantClient): Promise<Recorded> {
  for (let attempt = 1; ; attempt++) {
    const target = await client.open();
    const runs: { c: ConformanceCase; o: Observation }[] = [];
    const capabilities = target.client.capabilities ?? {};
    const cases = client.cases(capabilities);
    try {
      await observeAll(cases, target, (c, o) => runs.push({ c, o: asRecorded(o) }));
    } finally {
      await target.close();
    }
    const failing = runs.filter(({ c, o }) => judge(c, o, { strict: true }).verdict !== 'pass').map(({ c, o }) => `${c.id}: ${judge(c, o, { strict: true }).failures.map((f) => `[${f.rule}] ${f.message}`).join('; ')}`);
    if (!failing.length) return recorded({ kind: 'conformant', capabilities }, cases, runs);
    const why = `${client.name}: ${failing.length} case(s) do not pass: ${failing.slice(0, 3).join(' | ')}`;
    if (target.environment === undefined || attempt === ATTEMPTS) throw new Error(`a conformant client does not pass with the judge as it is (${why})`);
    console.log(`  ${why}; on the wall clock: again`);
  }
}

/** Records every subject and writes the files, the index last (a subject file is read only under the index's key). */
export async function recordObservations(key: string): Promise<ObservationIndex> {
  const started = performance.now();
  const subjects: Record<string, SubjectIndex> = {};
  const write = (name: string, r: Recorded): void => {
    writeAtomically(join(OBSERVATIONS_DIR, `${name}.json`), { key, observations: r.observations });
    subjects[name] = r.index;
    console.log(`  ${name.padEnd(36)} ${String(r.index.cases.length).padStart(5)} cases  ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  // Over the network first: once an in-process case has set msw up, it takes every request of this process.
  const members = await loadAllMembers();
  for (const client of CONFORMANT_CLIENTS.filter((x) => !x.inProcess)) write(client.name, await recordConformant(client));
  for (const member of members.filter(isProcessMember)) write(member.id, await recordMember(member));
  for (const client of CONFORMANT_CLIENTS.filter((x) => x.inProcess)) write(client.name, await recordConformant(client));
  for (const member of members.filter((m) => !isProcessMember(m))) write(member.id, await recordMember(member));
  const index: ObservationIndex = { key, node: process.version, recordedAt: new Date().toISOString(), seconds: Math.round((performance.now() - started) / 100) / 10, subjects };
  writeAtomically(join(OBSERVATIONS_DIR, 'index.json'), index);
  return index;
}

/**
 * Stryker's incremental results (stryker.config.mjs) were judged on the observations just replaced, and
 * Stryker sees only code and tests change, not these records: the next run tests every mutant again.
 */
function forgetIncrementalResults(): void {
  const dir = resolve('reports/mutation');
  const stale = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('-incremental.json')) : [];
  for (const file of stale) rmSync(join(dir, file));
  if (stale.length) console.log(`removed Stryker's incremental results (${stale.join(', ')}): they were judged on the previous records`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  const key = observationKey();
  const current = readIndex();
  if (!values.force && current?.key === key) {
    console.log(`observations for the judge's mutation run are up to date (${Object.keys(current.subjects).length} subjects, recorded ${current.recordedAt} in ${current.seconds} s)`);
    return 0;
  }
  console.log(`recording observations for the judge's mutation run in ${OBSERVATIONS_DIR}${current ? ' (the sources changed since the last records)' : ''}`);
  const index = await recordObservations(key);
  forgetIncrementalResults();
  const cases = Object.values(index.subjects).reduce((n, s) => n + s.cases.length, 0);
  console.log(`recorded ${cases} observations of ${Object.keys(index.subjects).length} subjects in ${index.seconds} s`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`record: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
