// The clients of fixtures/clients/scratch: written from the rules and MC-BUP, not from src/client,
// each a plausible client of its own architecture with the faults of one archetype. TypeScript ones run
// in-process; Python ones are process members, judged over real TCP on the wall clock, in a client
// process of their own whose process group is gone afterwards (tools/zoo/zoo.ts).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { allCases } from '../../src/harness/cases.js';
import { ruleById } from '../../src/rules/index.js';
import { caseById, inScope, isProcessMember, killMember, loadZoo, profileOf, SCRATCH_ZOO_DIR } from './zoo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const members = await loadZoo(SCRATCH_ZOO_DIR);

/** The source a member runs: its module, or the script its command starts. */
async function sourceOf(member: (typeof members)[number]): Promise<string> {
  const script = isProcessMember(member) ? member.command.split(/\s+/).find((w) => w.endsWith('.py')) : undefined;
  return readFile(join(ROOT, script ?? member.file), 'utf8');
}

function running(script: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', script]).toString().trim().split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('the scratch zoo', () => {
  test('has at least 10 clients, at least 3 of them Python over the process protocol, none built on src/client', async () => {
    expect(members.length).toBeGreaterThanOrEqual(10);
    expect(members.filter((m) => isProcessMember(m) && m.command.startsWith('python3 ')).length).toBeGreaterThanOrEqual(3);
    for (const m of members) {
      const source = await sourceOf(m);
      expect(source, m.id).not.toMatch(/src\/client|bits-conformance\/client|examples\/python|bits_client/);
    }
  });

  test('every expectation names rules of the table, and cases inside its scope that exist in its profile', () => {
    for (const member of members) {
      const { id, expectation: e } = member;
      const profile = profileOf(member);
      for (const rule of [...e.rules, ...(e.consequences ?? [])]) expect(() => ruleById(rule), `${id}: ${rule}`).not.toThrow();
      expect(e.cases.length, id).toBeGreaterThan(0);
      for (const c of e.cases) {
        const found = caseById(c, profile);
        expect(found, `${id}: ${c}`).toBeDefined();
        expect(inScope(found!, e.scope), `${id}: ${c} is in its scope`).toBe(true);
      }
      expect(allCases(profile).some((c) => inScope(c, e.scope)), `${id}: its scope holds some case`).toBe(true);
    }
  });

  test.for(members)('catches $id with the expected rules and flags nothing unrelated', async (member) => {
    const result = await killMember(member);
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('caught');
    if (isProcessMember(member)) expect(running(member.command.split(' ')[1]!)).toEqual([]);
  });
});
