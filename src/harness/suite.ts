// Binds cases to vitest: one test per case, the judged record on task.meta for the reporter.
// The client comes from what the CLI provides: an in-process module (`clientModule`, default the
// bundled reference client) or a command in any language (`clientCmd`) reached over TCP.
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { realTimeProfile, VIRTUAL_PROFILE, type ConformanceCase, type TimingProfile } from './cases.js';
import type { HarnessClient } from './contract.js';
import { loadClientModule } from './client-module.js';
import { InProcessEnvironment, type CaseEnvironment } from './environment.js';
import { judge, type Judgement } from './judge/index.js';
import { ProcessClient, processClientLimits } from './process-client.js';
import { judgedRecord, unsupportedRecord, type CaseRecord } from './record.js';
import { runCase } from './run-case.js';
import { provided, runNamesItsCases, selectedCases, timeoutMultiplier } from './provided.js';
import { TcpEnvironment } from './tcp-environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clientModule: string;
    /** A command that runs a client speaking bits-conformance/1 (docs/process-protocol.md). */
    clientCmd: string;
    /** Where the client command runs (the directory the CLI was started in). */
    clientCwd: string;
    /** MinimumRetryDelay for a client in another process, in ms (NoProgressTimeout is ten of them). */
    retryDelayMs: number;
    /** SHOULD rules fail a case (`--strict`), instead of warning. */
    strict: boolean;
    /** Interpretations switched off (`--interpretations-off`): their failures are not counted. */
    interpretationsOff: string[];
    /** A file the client process's group id is appended to, so that the CLI can kill it whatever happens here. */
    clientGroupsFile: string;
  }
  interface TaskMeta {
    conformance?: CaseRecord;
  }
}

export const REFERENCE_CLIENT_MODULE = fileURLToPath(new URL('./reference-client.ts', import.meta.url));

export interface SuiteTarget {
  client: HarnessClient;
  environment: CaseEnvironment;
  profile: TimingProfile;
  /** Real-time cases wait on the wall clock, so they run side by side; virtual-time cases cannot. */
  concurrent: boolean;
}

// One client process and one TCP server per worker: the conformance project runs its files in one
// worker without isolation when a command is given, so every suite file shares them.
let processTarget: Promise<SuiteTarget> | undefined;

async function startProcessTarget(command: string, retryDelayMs: number): Promise<SuiteTarget> {
  const environment = await new TcpEnvironment().start();
  // No client process outlives the worker (process-groups.ts), nor the CLI (it kills the recorded group).
  const groupsFile = provided('clientGroupsFile');
  const client = await ProcessClient.start(command, {
    cwd: provided('clientCwd') || process.cwd(),
    ...processClientLimits(timeoutMultiplier()),
    ...(groupsFile ? { groupsFile } : {}),
  });
  return { client, environment, profile: realTimeProfile(retryDelayMs), concurrent: true };
}

const inProcess = new InProcessEnvironment();

export async function suiteTarget(): Promise<SuiteTarget> {
  const command = provided('clientCmd');
  if (command) return (processTarget ??= startProcessTarget(command, provided('retryDelayMs') || 200));
  const client = await loadClientModule(provided('clientModule') || REFERENCE_CLIENT_MODULE);
  return { client, environment: inProcess, profile: VIRTUAL_PROFILE, concurrent: false };
}

export function formatFailures(j: Judgement): string {
  return j.failures.map((f) => `[${f.rule}] ${f.message}`).join('\n');
}

/** Declares one vitest test per case, run against the client under test. */
export async function conformanceSuite(select: (profile: TimingProfile) => ConformanceCase[]): Promise<void> {
  const { client, environment, profile, concurrent } = await suiteTarget();
  const declare = concurrent ? test.concurrent : test;
  // One plain test per case, named by its id: `--case <id>` selects it by exact name.
  for (const c of selectedCases(select(profile))) {
    declare(c.id, async ({ task, skip }) => {
      if (c.jobType === 'upload-reply' && !client.capabilities?.uploadReply) {
        task.meta.conformance = unsupportedRecord(c, 'the client does not declare capabilities.uploadReply');
        skip('unsupported: the client does not declare capabilities.uploadReply');
        return;
      }
      const observation = await runCase(c, client, environment);
      const judgement = judge(c, observation, { strict: provided('strict') === true, interpretationsOff: provided('interpretationsOff') ?? [] });
      const record = judgedRecord(c, observation, judgement, { transcriptWhenPassing: runNamesItsCases() });
      const diagnostics = client.diagnostics;
      if (diagnostics && judgement.verdict !== 'pass') record.clientStderr = diagnostics.stderr();
      const dead = diagnostics?.deadReason();
      if (dead) record.runError = dead;
      // Every later case would wait as long: the CLI stops the run on a case's run error.
      if (observation.clientHung) record.runError = `the client hung in ${c.id}: ${observation.clientError}; the run stopped there`;
      task.meta.conformance = record;
      if (judgement.verdict === 'error') throw new Error(judgement.reason);
      if (judgement.verdict === 'fail') expect.fail(formatFailures(judgement));
    });
  }
}
