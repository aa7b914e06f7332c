// A signed run of a selection, as a user runs it (a real child process), read everywhere a person
// looks: the terminal, summary.md, junit.xml, `verify`, and conformance.html in real Chromium
// (Debian's, via playwright-core). Each says partial; none says conformant.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CHROMIUM = process.env.BITS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REQUIRED = process.env.BITS_REQUIRE_BROWSER === '1';
const CONFORMANT = /(?<!non-)\bconformant\b/;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, GITHUB_STEP_SUMMARY: '', CI: '1' };
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 180_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--codes 403,429 --sign: partial in the terminal, summary.md, JUnit, verify and the HTML badge', { timeout: 240_000 }, async ({ skip }) => {
  if (!existsSync(CHROMIUM)) {
    if (REQUIRED) throw new Error(`BITS_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
    skip(`no browser at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium) to run this test`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'bits-partial-'));
  const key = join(dir, 'key.pem');
  await writeFile(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const out = join(dir, 'out');
  const run = await cli('run', '--codes', '403,429', '--sign', key, '--out', out);
  expect(run.code, run.stderr).toBe(0); // nothing failed: exit 0, but no certification
  const said = /partial: no failure in the 9 cases that ran, not a conformance verdict \(a selection of the cases: --codes 403,429\)/;
  expect(run.stdout).toMatch(new RegExp(`^verdict: ${said.source}`, 'm'));
  expect(run.stdout).not.toMatch(CONFORMANT);

  const summary = await readFile(join(out, 'summary.md'), 'utf8');
  expect(summary).toMatch(new RegExp(`^## BITS conformance: ◐ ${said.source}`));
  const junit = await readFile(join(out, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/<testsuites name="bits-conformance [\d.]+ against [^"]+ \(partial run\)"/);
  expect(junit).toContain('<property name="run.completeness" value="partial: a selection of the cases: --codes 403,429"/>');
  for (const view of [summary, junit]) expect(view).not.toMatch(CONFORMANT);

  const verify = await cli('verify', join(out, 'conformance.json'));
  expect(verify.code).toBe(0);
  expect(verify.stdout).toMatch(/ed25519 signature/);
  expect(verify.stdout).toMatch(new RegExp(`: ${said.source}$`, 'm'));
  expect(verify.stdout).not.toMatch(CONFORMANT);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(out, 'conformance.html')).href);
    await page.waitForSelector('body[data-ready="true"]');
    const badge = page.locator('header .verdict');
    expect(await badge.innerText()).toMatch(said);
    expect(await page.title()).toMatch(said);
    // Not in the colour of a certification: the pass colour belongs to a full conformant run only.
    const colours = await page.evaluate(() => {
      const probe = document.createElement('p');
      probe.className = 'verdict r-conformant';
      document.body.append(probe);
      const pass = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return { badge: getComputedStyle(document.querySelector('header .verdict')!).backgroundColor, pass };
    });
    expect(colours.badge).not.toBe(colours.pass);
    expect(await page.locator('body').innerText()).not.toMatch(CONFORMANT);
  } finally {
    await browser.close();
  }
});
