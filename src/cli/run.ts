// `run`: checks the client module, runs the conformance suites through vitest's node API, then
// builds, validates and writes the report and prints a short summary.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { REFERENCE_CLIENT_MODULE, loadClientModule, ClientLoadError } from '../harness/suite.js';
import { CaseCollector } from '../report/collector.js';
import { buildReport, writeReport } from '../report/report.js';
import { EXIT_CODE } from '../report/verdict.js';

export class UsageError extends Error {}

export interface RunOptions {
  client?: string;
  caseId?: string;
  out: string;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shellQuote(text: string): string {
  return /^[\w./:@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const clientModule = options.client ? resolve(options.client) : REFERENCE_CLIENT_MODULE;
  if (!existsSync(clientModule)) throw new ClientLoadError(`client module not found: ${clientModule}`);
  const client = await loadClientModule(clientModule); // one clear line if it fails the contract

  const startedAt = new Date();
  const collector = new CaseCollector();
  const vitest = await startVitest(
    'test',
    [],
    {
      root: PACKAGE_ROOT,
      project: 'conformance',
      watch: false,
      reporters: [collector],
      provide: { clientModule },
      ...(options.caseId ? { testNamePattern: new RegExp(`^${escapeRegExp(options.caseId)}$`) } : {}),
    },
    { logLevel: 'silent' },
  );
  await vitest.close();
  const finishedAt = new Date();

  const clientArg = options.client ? ` --client ${shellQuote(options.client)}` : '';
  const report = buildReport({
    client: { name: client.name, version: client.version, module: clientModule, transport: 'in-process', ...(client.capabilities ? { capabilities: client.capabilities } : {}) },
    records: collector.records,
    runErrors: collector.runErrors,
    startedAt,
    finishedAt,
    replayCommand: (id) => `npm start --${clientArg} --case ${shellQuote(id)}`,
  });
  if (options.caseId && report.cases.length === 0) throw new UsageError(`no case has the id '${options.caseId}'`);
  const file = await writeReport(report, resolve(options.out));

  const s = report.summary;
  console.log(`${report.suite.name} ${report.suite.version} against ${client.name} ${client.version}`);
  for (const error of report.runErrors ?? []) console.log(`  run error: ${error}`);
  for (const c of report.cases.filter((x) => x.verdict === 'fail' || x.verdict === 'error').slice(0, 10)) {
    console.log(`  ${c.verdict.toUpperCase()} ${c.id}: ${c.failures[0] ? `[${c.failures[0].rule}] ${c.failures[0].message}` : c.reason}`);
  }
  if (s.fail + s.error > 10) console.log(`  ... and ${s.fail + s.error - 10} more (see the report)`);
  if (options.caseId) for (const c of report.cases) printTranscript(c);
  console.log(`cases: ${s.total}  pass: ${s.pass}  fail: ${s.fail}  warn: ${s.warn}  unsupported: ${s.unsupported}  error: ${s.error}`);
  console.log(`verdict: ${s.verdict}  wall time: ${(report.wallTimeMs / 1000).toFixed(1)} s`);
  const shown = relative(process.cwd(), file);
  console.log(`report: ${shown.startsWith('..') ? file : shown}`);
  return EXIT_CODE[s.verdict];
}

function printTranscript(c: { id: string; transcript: { seq: number; t: number; packetType: string; range?: { first: number; last: number; total: number }; response?: { status: number; errorCode?: number; errorContext?: number }; notification?: { count: number; status: number } }[]; states?: { t: number; state: string }[] }): void {
  console.log(`transcript of ${c.id} (t in ms of virtual time):`);
  for (const e of c.transcript) {
    const range = e.range ? ` bytes ${e.range.first}-${e.range.last}/${e.range.total}` : '';
    const post = e.notification ? ` -> application post #${e.notification.count} answered ${e.notification.status}` : '';
    const err = e.response?.errorCode !== undefined ? ` code 0x${e.response.errorCode.toString(16).toUpperCase()} ctx ${e.response.errorContext}` : '';
    console.log(`  #${e.seq} t=${e.t} ${e.packetType}${range} => ${e.response?.status ?? '-'}${err}${post}`);
  }
  console.log(`  states: ${(c.states ?? []).map((s) => `${s.state}@${s.t}`).join(' ')}`);
}
