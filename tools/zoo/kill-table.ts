// The kill table: every broken client of the zoo (fixtures/clients/zoo, protocol and scratch) against
// the suite, one line each: caught or missed, by which rules, in how long. Exit 1 if any is missed or
// flagged on something unrelated. Process members (a Python client, say) run in a client process of
// their own over real TCP, on the wall clock.
//
//   npm run zoo                    each member's own cases, their neighbours and the control set
//   npm run zoo -- --full          the whole suite against every member (minutes)
//   npm run zoo -- --only never-gives-up,retries-429
//
// Writes reports/zoo.json (atomically). The self-test (zoo.test.ts) holds the same list to the same
// judgement with the fast run, so `npm test` fails on any miss.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isProcessMember, killMember, loadAllMembers, type KillResult, type ZooMember } from './zoo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const showMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** `caught  <member>  <failed>/<ran> cases failed  first catch <t>  run <t>  <rules> (+ <consequences>)` */
export function formatKill(r: KillResult, idWidth: number, where: 'in-process' | 'process' = 'in-process'): string {
  const verdict = r.status === 'caught' ? 'caught' : r.status === 'missed' ? 'MISSED' : 'IMPRECISE';
  const rules = `${r.rulesBroken.join(', ') || '-'}${r.consequencesNamed.length ? `  (+ ${r.consequencesNamed.join(', ')})` : ''}`;
  const first = r.firstCatchMs === undefined ? 'never' : showMs(r.firstCatchMs);
  return [verdict.padEnd(9), r.id.padEnd(idWidth), where.padEnd(10), `${r.failed}/${r.ran} failed${r.warned ? `, ${r.warned} warned` : ''}`.padStart(14), `first catch ${first.padStart(7)}`, `run ${showMs(r.ms).padStart(7)}`, rules].join('  ');
}

const whereOf = (m: ZooMember): 'in-process' | 'process' => (isProcessMember(m) ? 'process' : 'in-process');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { full: { type: 'boolean', default: false }, only: { type: 'string' } } });
  let zoo = await loadAllMembers();
  if (values.only) {
    const wanted = values.only.split(',');
    const unknown = wanted.filter((id) => !zoo.some((m) => m.id === id));
    if (unknown.length) {
      console.error(`no zoo member named ${unknown.join(', ')} (have: ${zoo.map((m) => m.id).join(', ')})`);
      return 2;
    }
    zoo = zoo.filter((m) => wanted.includes(m.id));
  }
  const full = values.full === true;
  const width = Math.max(...zoo.map((m) => m.id.length));
  console.log(`kill table: ${zoo.length} broken clients, ${full ? 'the whole suite each' : 'own cases + neighbours + control set each'}`);
  const results: KillResult[] = [];
  const started = performance.now();
  for (const member of zoo) {
    const r = await killMember(member, full ? 'full' : 'fast');
    results.push(r);
    console.log(formatKill(r, width, whereOf(member)));
    for (const p of r.problems.slice(0, 5)) console.log(`          ${p}`);
    if (r.problems.length > 5) console.log(`          ... and ${r.problems.length - 5} more`);
  }
  const count = (s: KillResult['status']) => results.filter((r) => r.status === s).length;
  const seconds = (performance.now() - started) / 1000;
  const cases = results.reduce((n, r) => n + r.ran, 0);
  console.log(`${results.length} broken clients: ${count('caught')} caught, ${count('missed')} missed, ${count('imprecise')} imprecise; ${cases} cases in ${seconds.toFixed(1)} s`);

  const out = join(ROOT, 'reports');
  await mkdir(out, { recursive: true });
  const report = {
    mode: full ? 'full' : 'fast',
    node: process.version,
    date: new Date().toISOString(),
    seconds,
    results: results.map((r) => ({ ...r, file: zoo.find((m) => m.id === r.id)!.file, transport: whereOf(zoo.find((m) => m.id === r.id)!), ms: Math.round(r.ms), firstCatchMs: r.firstCatchMs === undefined ? null : Math.round(r.firstCatchMs) })),
  };
  const file = join(out, full ? 'zoo-full.json' : 'zoo.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return results.every((r) => r.status === 'caught') ? 0 : 1;
}

process.exitCode = await main();
