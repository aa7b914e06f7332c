// Broken clients for the protocol and timing rules (fixtures/clients/protocol): each is caught by the
// rule it breaks, on its cases, and flags nothing else in the control set (tools/zoo/zoo.ts).
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import ignoresHostId from '../../fixtures/clients/protocol/ignores-host-id.js';
import keepsSize from '../../fixtures/clients/protocol/keeps-size-after-413.js';
import { createUploadJob } from '../../src/client/index.js';
import { ScriptedApplication } from '../../src/server/index.js';
import { fastRunOf, killMember, loadZoo } from './zoo.js';
import type { JobOptions } from '../../src/harness/contract.js';
import { InProcessEnvironment } from '../../src/harness/environment.js';
import reference from '../../src/harness/reference-client.js';
import { scenarioCases } from '../../src/harness/cases.js';
import { judge } from '../../src/harness/judge/index.js';
import { runCase } from '../../src/harness/run-case.js';

const members = await loadZoo(fileURLToPath(new URL('../../fixtures/clients/protocol/', import.meta.url)));

describe.each(members.map((m) => ({ name: m.id, member: m })))('$name', ({ member }) => {
  test(`is caught by ${member.expectation.rules.join(', ')} and flags nothing unrelated`, async () => {
    const result = await killMember(member, fastRunOf(member));
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('caught');
  });
});

// The SHOULD rules: a broken client is caught with a warning (killMember counts it), and fails the
// case only under --strict.
test.for([
  { rule: 'PKT-SHRINK', scenario: 'shrink-413', client: keepsSize },
  { rule: 'PKT-HOST-ID', scenario: 'host-id', client: ignoresHostId },
])('$client.name warns with $rule, and fails under --strict', async ({ rule, scenario, client }) => {
  const [c] = scenarioCases(undefined, [scenario]);
  const observation = await runCase(c!, client);
  expect(judge(c!, observation)).toMatchObject({ verdict: 'warn', failures: [{ rule }] });
  expect(judge(c!, observation, { strict: true }).verdict).toBe('fail');
});

test('the reference client at its defaults (1 MiB fragments) passes every scenario: none can be escaped by sending the file in one fragment', async () => {
  const verdicts: Record<string, string> = {};
  for (const c of scenarioCases()) verdicts[c.scenario!] = judge(c, await runCase(c, reference)).verdict;
  expect(Object.values(verdicts).every((v) => v === 'pass'), JSON.stringify(verdicts)).toBe(true);
});

test('a case abandoned half-way (timed out) does not leave its fake timers to the next one', async () => {
  const stuck = new InProcessEnvironment();
  await stuck.ready();
  stuck.open(() => ({ origin: 'http://stuck.bits.test', application: new ScriptedApplication([200]), relay: 'mirror', now: () => 0 }), { signature: () => '' });
  const [c] = scenarioCases(undefined, ['close-503']);
  expect(judge(c!, await runCase(c!, reference, stuck)).verdict).toBe('pass');
});
