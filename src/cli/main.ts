#!/usr/bin/env node
// bits-conformance: runs the conformance suites against a client and writes the report.
// Exit codes: 0 conformant, 1 non-conformant, 2 harness or usage error, 3 vacuous run.
import { parseArgs } from 'node:util';
import { runCommand, UsageError } from './run.js';

const USAGE = `usage: bits-conformance run [--client <module>] [--case <id>] [--out <dir>] [--debug]

  --client <module>  an in-process client module (TS or JS) whose default export follows the
                     client-under-test contract; default: the bundled reference client
  --case <id>        re-run exactly one case (the replay command printed in the report)
  --out <dir>        where the report goes; default: reports/
  --debug            print stack traces of harness errors`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        client: { type: 'string' },
        case: { type: 'string' },
        out: { type: 'string' },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command = 'run', ...extra] = positionals;
  if (command !== 'run') throw new UsageError(`unknown command '${command}'`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return runCommand({
    ...(values.client ? { client: values.client } : {}),
    ...(values.case ? { caseId: values.case } : {}),
    out: values.out ?? 'reports',
  });
}

const debug = process.argv.includes('--debug');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`bits-conformance: ${error.message}`);
      console.error(USAGE);
    } else {
      console.error(`bits-conformance: ${error instanceof Error ? error.message : String(error)}`);
      if (debug && error instanceof Error) console.error(error.stack);
    }
    process.exitCode = 2;
  },
);
