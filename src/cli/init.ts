// `init`: a client-adapter template and a config file in the current folder, so that a new user goes
// from `npm i -D bits-conformance` to a passing run in two commands, then swaps in their own client.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../report/files.js';
import { CONFIG_SCHEMA_PATH } from './config.js';
import { OptionError } from './options.js';

export const ADAPTER_FILE = 'client.ts';
export const CONFIG_FILE = 'bits-conformance.config.json';

export const ADAPTER_TEMPLATE = `// The adapter between bits-conformance and your BITS upload client. The suite calls createJob() once
// per case and drives the job as Windows drives IBackgroundCopyJob: resume(), suspend(), cancel(),
// complete(), reading getState() and getError() as it goes. The contract with every field explained:
// node_modules/bits-conformance/src/harness/contract.ts.
//
// As written it wraps the reference client that ships with bits-conformance, so it passes as it is.
// Replace the lines marked YOUR CLIENT with your library, then run:
//   npx bits-conformance run --client ./client.ts
//
// Your client must read time through the global setTimeout/Date (the suite runs a 14-day timeout in
// virtual time) and send with the global fetch (redirect: 'manual') or node:http.
import type { ClientUnderTest } from 'bits-conformance';
import { createUploadJob } from 'bits-conformance/client'; // YOUR CLIENT: import your library instead

const client: ClientUnderTest = {
  name: 'my-bits-client', // shown in every report
  version: '0.0.0',
  // Without uploadReply: true the upload-reply cases are reported as unsupported.
  capabilities: { uploadReply: true },
  createJob({ url, payload, type, minimumRetryDelayMs, noProgressTimeoutMs }) {
    // YOUR CLIENT: create an upload job for url with these bytes and settings. (4 KiB fragments: the
    // suite's payloads are a few KiB, and some cases act in the middle of an upload.)
    const job = createUploadJob({ url, payload, type, minimumRetryDelayMs, noProgressTimeoutMs, fragmentSize: 4096 });
    return {
      resume: () => job.resume(), // start or retry; may return a promise
      suspend: () => job.suspend(),
      cancel: () => job.cancel(),
      complete: () => job.complete(), // TRANSFERRED -> ACKNOWLEDGED (sends Close-Session)
      getState: () => job.getState(), // a BG_JOB_STATE name: 'SUSPENDED', 'TRANSIENT_ERROR', 'ERROR', ...
      getError: () => job.getError(), // null, or { context, code } as IBackgroundCopyError::GetError gives them
      getReply: () => job.getReply(), // upload-reply jobs: the reply's bytes once downloaded, else null
    };
  },
};

export default client;
`;

export function configTemplate(): string {
  return `${JSON.stringify(
    {
      $schema: `./${CONFIG_SCHEMA_PATH}`,
      client: `./${ADAPTER_FILE}`,
      out: 'reports',
      format: ['json', 'junit', 'html', 'md'],
    },
    null,
    2,
  )}\n`;
}

export async function initCommand(dir: string, options: { force: boolean; command: string }, write: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const files: [string, string][] = [
    [ADAPTER_FILE, ADAPTER_TEMPLATE],
    [CONFIG_FILE, configTemplate()],
  ];
  if (!options.force) {
    const existing = files.map(([name]) => name).filter((name) => existsSync(join(dir, name)));
    if (existing.length) throw new OptionError(`init: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}; nothing written (--force overwrites)`);
  }
  for (const [name, content] of files) await writeFileAtomic(join(dir, name), content);
  write(`wrote ${ADAPTER_FILE}: the client adapter (it wraps the bundled reference client; swap in yours where it says YOUR CLIENT)`);
  write(`wrote ${CONFIG_FILE}: options for run (every key is a run option; schema ${CONFIG_SCHEMA_PATH})`);
  write(`next: ${options.command} run --client ./${ADAPTER_FILE}    (or just \`${options.command}\`: the config names the client)`);
  return 0;
}
