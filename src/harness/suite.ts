// Binds cases to vitest: one test per case, the judged record on task.meta for the reporter.
// The client comes from `provide.clientModule` (the CLI), else the bundled reference client.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, inject, test } from 'vitest';
import type { ConformanceCase } from './cases.js';
import { checkClient, type ClientUnderTest } from './contract.js';
import { expectedSummaryOf, judge, type Judgement } from './judge.js';
import { judgedRecord, unsupportedRecord, type CaseRecord } from './record.js';
import { runCase } from './run-case.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clientModule: string;
  }
  interface TaskMeta {
    conformance?: CaseRecord;
  }
}

export const REFERENCE_CLIENT_MODULE = fileURLToPath(new URL('./reference-client.ts', import.meta.url));

export class ClientLoadError extends Error {}

/** Imports a client module and checks it against the contract; errors name what is wrong. */
export async function loadClientModule(modulePath: string): Promise<ClientUnderTest> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(modulePath);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new ClientLoadError(`cannot load client module ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const checked = checkClient(mod.default);
  if ('problem' in checked) throw new ClientLoadError(`client module ${file}: ${checked.problem}`);
  return checked.client;
}

function providedClientModule(): string {
  try {
    return inject('clientModule') || REFERENCE_CLIENT_MODULE;
  } catch {
    return REFERENCE_CLIENT_MODULE;
  }
}

export function formatFailures(j: Judgement): string {
  return j.failures.map((f) => `[${f.rule}] ${f.message}`).join('\n');
}

/** Declares one vitest test per case, run against the client under test. */
export async function conformanceCases(cases: ConformanceCase[]): Promise<void> {
  const client = await loadClientModule(providedClientModule());
  // One plain test per case, named by its id: `--case <id>` selects it by exact name.
  for (const c of cases) {
    test(c.id, async ({ task, skip }) => {
    if (c.jobType === 'upload-reply' && !client.capabilities?.uploadReply) {
      task.meta.conformance = unsupportedRecord(c, expectedSummaryOf(c), 'the client does not declare capabilities.uploadReply');
      skip('unsupported: the client does not declare capabilities.uploadReply');
      return;
    }
    const observation = await runCase(c, client);
    const judgement = judge(c, observation);
    task.meta.conformance = judgedRecord(c, observation, judgement);
    if (judgement.verdict === 'error') throw new Error(judgement.reason);
    if (judgement.verdict === 'fail') expect.fail(formatFailures(judgement));
    });
  }
}
