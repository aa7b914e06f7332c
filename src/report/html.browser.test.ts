// conformance.html in a real browser: Debian's Chromium (never a downloaded one) driven by
// playwright-core, the page loaded from disk. Skipped with a how-to on a machine without Chromium;
// CI sets BITS_REQUIRE_BROWSER=1, and then a missing browser fails the test instead.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { plainClient } from '../../fixtures/clients/plain-client.js';
import context5 from '../../fixtures/clients/zoo/reports-context-5.js';
import { statusMatrixCases } from '../harness/cases.js';
import { judge } from '../harness/judge/index.js';
import { judgedRecord } from '../harness/record.js';
import { runCase } from '../harness/run-case.js';
import { toHtml } from './html.js';
import type { Browser } from 'playwright-core';
import { buildReport, type ConformanceReport } from './report.js';
import { sealReport } from './sign.js';

// Debian's package puts it here; BITS_CHROMIUM may point elsewhere (never at a downloaded browser).
const CHROMIUM = process.env.BITS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REQUIRED = process.env.BITS_REQUIRE_BROWSER === '1';
const OUT = fileURLToPath(new URL('../../reports/browser/', import.meta.url));

/** Skips the test (with how to install it) where Debian's Chromium is missing; under CI that fails instead. */
function skipWithoutChromium(skip: (note: string) => void): void {
  if (existsSync(CHROMIUM)) return;
  if (REQUIRED) throw new Error(`BITS_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  skip(`no browser at ${CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium) to run this test`);
}

/** Writes the report's page into reports/browser/ and returns its path. */
async function writePage(name: string, report: ConformanceReport): Promise<string> {
  await mkdir(OUT, { recursive: true });
  const file = join(OUT, name);
  await writeFile(file, toHtml(report));
  return file;
}

/** Debian's Chromium, headless, as every test here drives it. */
async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A real report from a few real cases: a client that reports context 5, so most cells fail. */
async function realReport() {
  const records = [];
  for (const c of [200, 404, 503].flatMap((s) => statusMatrixCases({ from: s, to: s }))) {
    const observation = await runCase(c, context5);
    records.push(judgedRecord(c, observation, judge(c, observation)));
  }
  return sealReport(buildReport({
    client: { name: context5.name, version: context5.version, transport: 'in-process', capabilities: { uploadReply: true } },
    records,
    runErrors: [],
    startedAt: new Date(0),
    finishedAt: new Date(2000),
    replayCommand: (id) => `npm start -- --client fixtures/clients/zoo/reports-context-5.ts --case ${id}`,
  }));
}

test('conformance.html in Chromium: four grids of 500 codes, a failing cell opens its case, keyboard and filters work', async ({ skip }) => {
  skipWithoutChromium(skip);
  const report = await realReport();
  const failing = report.cases.find((c) => c.verdict === 'fail' && c.kind === 'status-matrix')!;
  expect(failing).toBeDefined();
  const file = await writePage('conformance.html', report);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');

    // Four grids (upload/upload-reply x mirror/alt-header), each with one cell per code 100..599.
    const grids = page.locator('.grid-block .grid:not(.others)');
    expect(await grids.count()).toBe(4);
    for (let i = 0; i < 4; i++) expect(await grids.nth(i).locator('.cell').count()).toBe(500);
    expect(await page.locator('.cell.v-fail').count()).toBe(report.summary.fail);

    // A failing cell opens its case: the rule it breaks, its sentence, expected vs observed, the replay command.
    const cell = page.locator(`.cell.v-fail[title^="${failing.status} "]`).first();
    await cell.click();
    const detail = page.locator('#detail');
    await expect.poll(() => detail.isVisible()).toBe(true);
    const text = await detail.innerText();
    expect(text).toContain('APP-CONTEXT');
    expect(text).toContain('BG_ERROR_CONTEXT_REMOTE_APPLICATION');
    expect(text).toMatch(/Expected\s+Observed/);
    expect(text).toContain('application post #1 answered');
    const replay = await page.locator('#replay-command').innerText();
    expect(replay).toMatch(/^npm start -- --client fixtures\/clients\/zoo\/reports-context-5\.ts --case app\/\d+\/[a-z-]+\/upload(-reply)?$/);
    expect(report.cases.some((c) => c.replay === replay && c.verdict === 'fail')).toBe(true);
    expect(page.url()).toMatch(/#case=app%2F/);
    await page.screenshot({ path: join(OUT, '..', 'html-report.png') });

    // Keyboard: Escape closes the detail and gives focus back to the cell; arrows move along the grid.
    await page.keyboard.press('Escape');
    expect(await detail.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('title'))).toBe(await cell.getAttribute('title'));
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('title'))).toMatch(new RegExp(`^${failing.status + 1}[ :]`));
    await page.keyboard.press('Enter'); // a cell with no case in this report opens nothing
    expect(await detail.isVisible()).toBe(false);

    // Filters: without `fail`, failing cells are dimmed, not removed.
    await page.locator('input[name="verdict"][value="fail"]').uncheck();
    expect(await page.locator('.cell.v-fail.dim').count()).toBe(report.summary.fail);
    expect(await page.locator('#match-count').innerText()).toBe(`${report.summary.total - report.summary.fail} of ${report.summary.total} cases match`);
    await page.locator('#reset-filters').click();
    await page.locator('#rule-filter').selectOption('APP-CONTEXT');
    expect(await page.locator('.cell[data-i]:not(.dim)').count()).toBe(report.cases.filter((c) => c.failures.some((f) => f.rule === 'APP-CONTEXT')).length);

    // Self-contained: the page itself is the only request, and nothing threw.
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
});

test("conformance.html in Chromium: a fetch client's failing 407 case says what its fetch did", async ({ skip }) => {
  skipWithoutChromium(skip);
  const client = plainClient();
  const [c] = statusMatrixCases({ from: 407, to: 407, relays: ['mirror'], jobTypes: ['upload'] });
  const observation = await runCase(c!, client);
  const report = buildReport({ client: { name: client.name, version: client.version, transport: 'in-process' }, records: [judgedRecord(c!, observation, judge(c!, observation))], runErrors: [], startedAt: new Date(0), finishedAt: new Date(1), replayCommand: (id) => `npm start -- --case ${id}` });
  const file = await writePage('fetch-407.html', report);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator('.cell.v-fail[title^="407 "]').first().click();
    const text = await page.locator('#detail').innerText();
    expect(text).toMatch(/Note: the client's fetch turned the 407 answer to BITS_POST \/upload\/case\.bin \(Fragment\) into a network error/);
  } finally {
    await browser.close();
  }
});
