// The README's speed table, made from reports/bench.json and written between two markers:
//   npm run bench:readme            rewrites the table in README.md from reports/bench.json
// formatTable and parseTable are inverse to each other on a table this module wrote, which is what the
// test holds the committed README to (the format, not this machine's numbers).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isEntry } from '../../src/cli/entry.js';
import type { ExecutionFigures } from './execution.js';

export const BEGIN = '<!-- bench:begin (npm run bench:readme writes this from reports/bench.json) -->';
export const END = '<!-- bench:end -->';

/** One engine row: the figures execution.ts measures that the table shows. */
export type EngineRow = { label: string } & Pick<ExecutionFigures, 'cases' | 'requests' | 'msPerCase' | 'msPerRequest' | 'getResponseMsPerRequest' | 'nativeMsPerRequest' | 'vsGetResponse' | 'vsNative'>;

export interface RunRow {
  label: string;
  startupS: number;
  casesS: number;
  reportS: number;
  totalS: number;
  runTimeS: number;
  peakMb: number;
  /** The largest sum of all its processes' resident sets at one time (the CLI, its workers), MB. */
  treeMb: number;
  /** conformance.json, MB; null for a run whose size is not shown. */
  reportMb: number | null;
}

export interface SideBySideRow {
  label: string;
  beforeS: number;
  afterS: number;
  faster: number;
}

export interface BenchSummary {
  /** What the figures are: runs, machine and load (one line). */
  caption: string;
  engine: EngineRow[];
  runs: RunRow[];
  sideBySide: SideBySideRow[];
}

const int = (n: number): string => n.toLocaleString('en-US');
const fixed = (n: number, digits: number, unit: string): string => `${n.toFixed(digits)}${unit}`;
const num = (cell: string): number => Number(cell.replace(/[^0-9.]/g, ''));

const ENGINE_HEAD = '| In-process engine (runCase + judge, no vitest) | Cases | Requests | Per case | Per request | getResponse floor | native floor | vs getResponse | vs native |';
const RUNS_HEAD = '| Whole runs (`npm start`) | Start-up | Cases | Report | Total | Run time | Peak RSS, one process | Peak RSS, all processes | conformance.json |';
const SIDE_HEAD = '| Side by side, `npm start`, whole suite | Before | After | Faster |';

function engineLine(r: EngineRow): string {
  return `| ${r.label} | ${int(r.cases)} | ${int(r.requests)} | ${fixed(r.msPerCase, 2, ' ms')} | ${fixed(r.msPerRequest, 3, ' ms')} | ${fixed(r.getResponseMsPerRequest, 3, ' ms')} | ${fixed(r.nativeMsPerRequest, 3, ' ms')} | ${fixed(r.vsGetResponse, 2, 'x')} | ${fixed(r.vsNative, 1, 'x')} |`;
}

function runLine(r: RunRow): string {
  const s = (n: number): string => fixed(n, 1, ' s');
  return `| ${r.label} | ${s(r.startupS)} | ${s(r.casesS)} | ${s(r.reportS)} | ${s(r.totalS)} | ${s(r.runTimeS)} | ${int(r.peakMb)} MB | ${int(r.treeMb)} MB | ${r.reportMb === null ? '-' : fixed(r.reportMb, 1, ' MB')} |`;
}

function sideLine(r: SideBySideRow): string {
  return `| ${r.label} | ${fixed(r.beforeS, 1, ' s')} | ${fixed(r.afterS, 1, ' s')} | ${fixed(r.faster, 1, 'x')} |`;
}

/** The block between the markers, markers included. */
export function formatTable(s: BenchSummary): string {
  const lines = [BEGIN, s.caption, '', ENGINE_HEAD, '|---|--:|--:|--:|--:|--:|--:|--:|--:|', ...s.engine.map(engineLine), '', RUNS_HEAD, '|---|--:|--:|--:|--:|--:|--:|--:|--:|', ...s.runs.map(runLine)];
  if (s.sideBySide.length) lines.push('', SIDE_HEAD, '|---|--:|--:|--:|', ...s.sideBySide.map(sideLine));
  lines.push(END);
  return lines.join('\n');
}

const cellsOf = (line: string): string[] => line.split('|').slice(1, -1).map((c) => c.trim());

/** The rows under `head` up to the next blank line. */
function rowsUnder(lines: string[], head: string): string[][] {
  const at = lines.indexOf(head);
  if (at < 0) return [];
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(cellsOf(lines[i]!));
  return rows;
}

/** Reads a block formatTable wrote (markers included) back into its figures. */
export function parseTable(block: string): BenchSummary {
  const lines = block.split('\n');
  if (lines[0] !== BEGIN || lines.at(-1) !== END) throw new Error('the speed table is not between its markers');
  return {
    caption: lines[1]!,
    engine: rowsUnder(lines, ENGINE_HEAD).map(([label, ...c]) => ({
      label: label!,
      cases: num(c[0]!),
      requests: num(c[1]!),
      msPerCase: num(c[2]!),
      msPerRequest: num(c[3]!),
      getResponseMsPerRequest: num(c[4]!),
      nativeMsPerRequest: num(c[5]!),
      vsGetResponse: num(c[6]!),
      vsNative: num(c[7]!),
    })),
    runs: rowsUnder(lines, RUNS_HEAD).map(([label, ...c]) => ({
      label: label!,
      startupS: num(c[0]!),
      casesS: num(c[1]!),
      reportS: num(c[2]!),
      totalS: num(c[3]!),
      runTimeS: num(c[4]!),
      peakMb: num(c[5]!),
      treeMb: num(c[6]!),
      reportMb: c[7] === '-' ? null : num(c[7]!),
    })),
    sideBySide: rowsUnder(lines, SIDE_HEAD).map(([label, ...c]) => ({ label: label!, beforeS: num(c[0]!), afterS: num(c[1]!), faster: num(c[2]!) })),
  };
}

/** The block as it stands in a text (README.md), markers included. */
export function tableIn(text: string): string {
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error('README.md has no speed table markers');
  return text.slice(from, to + END.length);
}

/** The README with its table replaced. */
export function withTable(readme: string, table: string): string {
  return readme.replace(tableIn(readme), table);
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { summaryOf } = await import('./summary.js');
  const bench = JSON.parse(await readFile(`${root}reports/bench.json`, 'utf8')) as Parameters<typeof summaryOf>[0];
  const readme = await readFile(`${root}README.md`, 'utf8');
  await writeFile(`${root}README.md`, withTable(readme, formatTable(summaryOf(bench))));
  console.log('README.md: speed table rewritten from reports/bench.json');
}

if (isEntry(import.meta.url)) await main();
