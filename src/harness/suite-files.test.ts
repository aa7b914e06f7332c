import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { allCases, realTimeProfile, VIRTUAL_PROFILE } from './cases.js';
import { SUITE_FILES, SUITE_NAMES, suitePath, suitesHolding } from './suite-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every file of suites/ is in the table, and declares its own entry', async () => {
  const files = (await readdir(`${ROOT}suites`)).filter((f) => f.endsWith('.suite.ts')).sort();
  expect(files).toEqual(SUITE_NAMES.map((n) => suitePath(n).replace('suites/', '')).sort());
  for (const name of SUITE_NAMES) expect(await readFile(`${ROOT}${suitePath(name)}`, 'utf8')).toContain(`conformanceSuite(SUITE_FILES['${name}'])`);
});

test.for([
  ['virtual time', VIRTUAL_PROFILE],
  ['the wall clock', realTimeProfile(200)],
] as const)('the files hold every case once, under %s', ([, profile]) => {
  const held = SUITE_NAMES.flatMap((n) => SUITE_FILES[n](profile).map((c) => c.id));
  expect(new Set(held).size).toBe(held.length);
  expect([...held].sort()).toEqual(allCases(profile).map((c) => c.id).sort());
});

test('a selection starts only the files that hold its cases', () => {
  expect(suitesHolding(VIRTUAL_PROFILE, { cases: ['app/404/mirror/upload'] })).toEqual(['app-status-4xx-upload']);
  expect(suitesHolding(VIRTUAL_PROFILE, { cases: ['scenario/close-503', 'retry-until-npt/503/mirror/upload/short'] })).toEqual(['retry-until-npt', 'protocol']);
  expect(suitesHolding(VIRTUAL_PROFILE, { codes: [[418, 418]] })).toEqual(['app-status-4xx-upload', 'app-status-4xx-upload-reply']);
  expect(suitesHolding(VIRTUAL_PROFILE, { jobTypes: ['upload-reply'], codes: [[418, 418]] })).toEqual(['app-status-4xx-upload-reply']);
  expect(suitesHolding(VIRTUAL_PROFILE, { codes: [[200, 200]] })).toEqual(['app-status-2xx-upload', 'app-status-2xx-upload-reply', 'protocol']); // scenarios whose application answers 200
  expect(suitesHolding(VIRTUAL_PROFILE, { cases: ['no/such/case'] })).toEqual([]);
  expect(suitesHolding(VIRTUAL_PROFILE, {})).toEqual(SUITE_NAMES);
});
