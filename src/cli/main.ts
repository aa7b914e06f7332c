#!/usr/bin/env node
// bits-conformance: runs the conformance suites against a client and writes the report.
// Exit codes: 0 conformant, 1 non-conformant, 2 harness or usage error, 3 vacuous run.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

const USAGE = `usage: bits-conformance run [--client <module> | --client-cmd <command>] [--case <id>] [--out <dir>] [--debug]

  --client <module>  an in-process client module (TS or JS) whose default export follows the
                     client-under-test contract; default: the bundled reference client
  --client-cmd <command>
                     a client in any language: a command that speaks bits-conformance/1 on its
                     stdin/stdout (docs/process-protocol.md) and uploads over real TCP
  --retry-delay-ms <ms>
                     MinimumRetryDelay given to a --client-cmd client (default 200; its
                     NoProgressTimeout is ten of them)
  --case <id>        re-run exactly one case (the replay command printed in the report)
  --out <dir>        where the report goes; default: reports/
  --debug            print stack traces of harness errors
  --format <list>    the reports to write: json,junit,html,md (default: all four)
  --baseline <file>  an earlier conformance.json: exit 1 only if a case got worse than there
  --expect-fail <file>
                     accepted failures (JSON: case or rule, reason, link, expires): they become xfail
  --sign <file>      an Ed25519 private key (PEM) that signs the report's digest

       bits-conformance diff <old.json> <new.json> [--json]
                     regressions, fixes and changed observations; exit 1 if a case regressed
       bits-conformance verify <report.json> [--key <public key PEM>]
                     checks the report's digest and signature; exit 1 if the file changed`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        client: { type: 'string' },
        'client-cmd': { type: 'string' },
        'retry-delay-ms': { type: 'string' },
        case: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        baseline: { type: 'string' },
        'expect-fail': { type: 'string' },
        sign: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
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
  // Loaded on demand: `run` brings in vitest, which diff and verify do not need.
  if (command === 'diff') return (await import('../report/commands.js')).diffCommand(extra, { json: values.json });
  if (command === 'verify') return (await import('../report/commands.js')).verifyCommand(extra, values.key ? { key: values.key } : {});
  if (command !== 'run') throw new UsageError(`unknown command '${command}'`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const retryDelay = values['retry-delay-ms'];
  if (retryDelay !== undefined && !/^[1-9]\d{0,6}$/.test(retryDelay)) throw new UsageError(`--retry-delay-ms must be a whole number of milliseconds, got '${retryDelay}'`);
  const { runCommand } = await import('./run.js');
  return runCommand({
    ...(values.client ? { client: values.client } : {}),
    ...(values['client-cmd'] ? { clientCmd: values['client-cmd'] } : {}),
    ...(retryDelay ? { retryDelayMs: Number(retryDelay) } : {}),
    ...(values.case ? { caseId: values.case } : {}),
    out: values.out ?? 'reports',
    ...(values.format ? { formats: values.format } : {}),
    ...(values.baseline ? { baseline: values.baseline } : {}),
    ...(values['expect-fail'] ? { expectFail: values['expect-fail'] } : {}),
    ...(values.sign ? { sign: values.sign } : {}),
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
