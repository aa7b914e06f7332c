// `run`: checks the client module, runs the conformance suites through vitest's node API, then
// builds, validates and writes the report and prints a short summary.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { UsageError } from './errors.js';
import { REFERENCE_CLIENT_MODULE, loadClientModule, ClientLoadError } from '../harness/suite.js';
import { CaseCollector } from '../report/collector.js';
import { ProcessClient } from '../harness/process-client.js';
import { buildReport, type ConformanceReport } from '../report/report.js';
import { prepareOutputs, publishReport } from '../report/publish.js';
import { EXIT_CODE, describeVerdict } from '../report/verdict.js';

export { UsageError } from './errors.js';

export interface RunOptions {
  client?: string;
  clientCmd?: string;
  retryDelayMs?: number;
  caseId?: string;
  out: string;
  /** Report outputs (src/report/publish.ts): --format, --baseline, --expect-fail, --sign. */
  formats?: string;
  baseline?: string;
  expectFail?: string;
  sign?: string;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shellQuote(text: string): string {
  return /^[\w./:@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

interface Target {
  client: ConformanceReport['client'];
  provide: { clientModule: string } | { clientCmd: string; clientCwd: string; retryDelayMs: number };
  /** A client in another process: one worker, no isolation (one process for all suites), cases side by side. */
  vitest: Record<string, unknown>;
  clientArg: string;
}

/** Checks the client before the suites start: one clear line if it cannot be used. */
async function resolveTarget(options: RunOptions): Promise<Target> {
  if (options.client && options.clientCmd) throw new UsageError('give --client or --client-cmd, not both');
  if (options.clientCmd) {
    const probe = await ProcessClient.start(options.clientCmd, { cwd: process.cwd() }); // the hello handshake
    const { name, version, capabilities } = probe;
    await probe.close();
    return {
      client: { name, version, module: options.clientCmd, transport: 'process', capabilities },
      provide: { clientCmd: options.clientCmd, clientCwd: process.cwd(), retryDelayMs: options.retryDelayMs ?? 200 },
      vitest: { isolate: false, fileParallelism: false },
      clientArg: ` --client-cmd ${shellQuote(options.clientCmd)}${options.retryDelayMs ? ` --retry-delay-ms ${options.retryDelayMs}` : ''}`,
    };
  }
  const clientModule = options.client ? resolve(options.client) : REFERENCE_CLIENT_MODULE;
  if (!existsSync(clientModule)) throw new ClientLoadError(`client module not found: ${clientModule}`);
  const client = await loadClientModule(clientModule);
  return {
    client: { name: client.name, version: client.version, module: clientModule, transport: 'in-process', ...(client.capabilities ? { capabilities: client.capabilities } : {}) },
    provide: { clientModule },
    vitest: {},
    clientArg: options.client ? ` --client ${shellQuote(options.client)}` : '',
  };
}

export async function runCommand(options: RunOptions): Promise<number> {
  // Report inputs first: a bad baseline, list or key costs one line, not a whole run.
  const outputs = await prepareOutputs(options);
  const target = await resolveTarget(options);
  const client = target.client;

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
      provide: target.provide,
      ...target.vitest,
      ...(options.caseId ? { testNamePattern: new RegExp(`^${escapeRegExp(options.caseId)}$`) } : {}),
    },
    { logLevel: 'silent' },
  );
  await vitest.close();
  const finishedAt = new Date();

  const clientArg = target.clientArg;
  const built = buildReport({
    client,
    records: collector.records,
    runErrors: collector.runErrors,
    startedAt,
    finishedAt,
    replayCommand: (id) => `npm start --${clientArg} --case ${shellQuote(id)}`,
  });
  if (options.caseId && built.cases.length === 0) throw new UsageError(`no case has the id '${options.caseId}'`);
  const { report, files, exitCode, notes } = await publishReport(built, outputs);

  const s = report.summary;
  console.log(`${report.suite.name} ${report.suite.version} against ${client.name} ${client.version}`);
  for (const error of report.runErrors ?? []) console.log(`  run error: ${error}`);
  for (const c of report.cases.filter((x) => x.verdict === 'fail' || x.verdict === 'error').slice(0, 10)) {
    console.log(`  ${c.verdict.toUpperCase()} ${c.id}: ${c.failures[0] ? `[${c.failures[0].rule}] ${c.failures[0].message}` : c.reason}`);
  }
  if (s.fail + s.error > 10) console.log(`  ... and ${s.fail + s.error - 10} more (see the report)`);
  if (options.caseId) for (const c of report.cases) printTranscript(c);
  for (const note of notes) console.log(note);
  console.log(`cases: ${s.total}  pass: ${s.pass}  fail: ${s.fail}  warn: ${s.warn}${s.xfail ? `  xfail: ${s.xfail}` : ''}  unsupported: ${s.unsupported}  error: ${s.error}`);
  console.log(`verdict: ${describeVerdict(s)}  wall time: ${(report.wallTimeMs / 1000).toFixed(1)} s`);
  for (const file of Object.values(files)) {
    const shown = relative(process.cwd(), file);
    console.log(`report: ${shown.startsWith('..') ? file : shown}`);
  }
  // EXIT_CODE[verdict] unless --baseline gates on regressions only (publish.ts).
  return outputs.baseline ? exitCode : EXIT_CODE[s.verdict];
}

function printTranscript(c: { id: string; transcript: { seq: number; t: number; packetType: string; range?: { first: number; last: number; total: number }; response?: { status: number; errorCode?: number; errorContext?: number }; notification?: { count: number; status: number } }[]; states?: { t: number; state: string }[] }): void {
  console.log(`transcript of ${c.id} (t in ms since the case started):`);
  for (const e of c.transcript) {
    const range = e.range ? ` bytes ${e.range.first}-${e.range.last}/${e.range.total}` : '';
    const post = e.notification ? ` -> application post #${e.notification.count} answered ${e.notification.status}` : '';
    const err = e.response?.errorCode !== undefined ? ` code 0x${e.response.errorCode.toString(16).toUpperCase()} ctx ${e.response.errorContext}` : '';
    console.log(`  #${e.seq} t=${e.t} ${e.packetType}${range} => ${e.response?.status ?? '-'}${err}${post}`);
  }
  console.log(`  states: ${(c.states ?? []).map((s) => `${s.state}@${s.t}`).join(' ')}`);
}
