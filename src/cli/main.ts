#!/usr/bin/env node
// bits-conformance: the command line. `run` (the default) runs the conformance suites against a
// client and writes the reports; `rules`, `serve`, `init`, `merge`, `diff` and `verify` are the
// tools around it. Exit codes: 0 conformant, 1 non-conformant, 2 harness or usage error, 3 vacuous.
// Started by bin/bits-conformance.js (npx bits-conformance) or directly (npm start, tsx src/cli/main.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { checkOptions, didYouMean, fromConfig, fromFlags, fromFlagValues, runOptionsFrom, type ConformanceOptions, type Where } from './options.js';
import { flagName, keyOfFlag, OPTION_KEYS, optionsHelp, specOf, type OptionKey } from './option-table.js';
import { isEntry } from './entry.js';

/** How the user started the command line, for the commands it prints. */
export interface Invocation {
  /** `npx bits-conformance`, or `npm start --` for `run` inside this repository. */
  command: string;
  /** The prefix of a printed `run` command (the replay command in reports). */
  runCommand: string;
}

export const NPX: Invocation = { command: 'npx bits-conformance', runCommand: 'npx bits-conformance run' };

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
};

/** The flags of `run`: one per option of the table (option-table.ts), and --config. */
const RUN_OPTIONS: Options = {
  ...COMMON,
  ...Object.fromEntries(OPTION_KEYS.map((key) => [flagName(key).slice(2), { type: specOf(key).type === 'boolean' ? 'boolean' : 'string' }])),
  config: { type: 'string' },
};

interface Command {
  summary: string;
  usage: string;
  options: Options;
  /** Positional arguments allowed: min and max. */
  positionals: [number, number];
}

export const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run the conformance suite against a client (the default command)',
    positionals: [0, 0],
    options: RUN_OPTIONS,
    usage: `usage: bits-conformance run [--client <module> | --client-cmd <command>] [options]

${optionsHelp({ other: [['--config <file>', 'options from this file (default: ./bits-conformance.config.json or .ts); flags win over it']] })}`,
  },
  rules: {
    summary: 'the rule table; `rules <status>` says what a client must do after that status, and why',
    positionals: [0, 1],
    options: { ...COMMON, json: { type: 'boolean' }, markdown: { type: 'boolean' } },
    usage: `usage: bits-conformance rules [<status>] [--json | --markdown]

  (no status)   every rule: ID, level, kind, sources, statement
  <status>      an application status 100-599: its class, the rules behind it, and what the
                client must do, in plain words (e.g. \`rules 449\`)
  --json        the same as data
  --markdown    the rule reference (docs/rules.md is this output)`,
  },
  serve: {
    summary: 'a BITS server on 127.0.0.1 with a scripted application; prints every request live',
    positionals: [0, 0],
    options: { ...COMMON, 'app-status': { type: 'string' }, relay: { type: 'string' }, port: { type: 'string' } },
    usage: `usage: bits-conformance serve [--app-status <list>] [--relay mirror|alt-header] [--port <n>]

  --app-status <list>  the application's answers to successive posts of the file, e.g. 503,200;
                       the last one repeats (default: 200)
  --relay <form>       mirror: the Ack carries BITS-Error-Code (default); alt-header: BITS-Error
  --port <n>           the port on 127.0.0.1 (default: a free one)

Stop it with Ctrl-C.`,
  },
  init: {
    summary: 'write a client-adapter template (client.ts) and bits-conformance.config.json here',
    positionals: [0, 0],
    options: { ...COMMON, force: { type: 'boolean' } },
    usage: `usage: bits-conformance init [--force]

Writes client.ts (a commented adapter template that runs as it is, around the bundled reference
client) and bits-conformance.config.json into the current folder.
  --force   overwrite those files if they exist`,
  },
  merge: {
    summary: 'combine the reports of a sharded run (--shard i/n) into one report',
    positionals: [1, Infinity],
    options: { ...COMMON, out: { type: 'string' }, format: { type: 'string' }, sign: { type: 'string' } },
    usage: `usage: bits-conformance merge <conformance.json>... [--out <dir>] [--format <list>] [--sign <key>]

Combines the reports of every shard of one run (--shard 1/n ... n/n) into one report, with the same
verdicts as one unsharded run. Refuses reports of different suites, rule tables, clients or
selections, a missing or repeated shard, and a report changed after it was written.
  --out <dir>      where the merged reports go (default: reports)
  --format <list>  json,junit,html,md (default: all four)
  --sign <file>    an Ed25519 private key (PEM) that signs the merged report`,
  },
  diff: {
    summary: 'regressions, fixes and changed observations between two reports; exit 1 on a regression',
    positionals: [2, 2],
    options: { ...COMMON, json: { type: 'boolean' }, 'allow-lost-coverage': { type: 'boolean' } },
    usage: `usage: bits-conformance diff <old.json> <new.json> [--json] [--allow-lost-coverage]

Regressions, fixes and changed observations per code. Exit 1 if a case regressed, or if cases of
the old report are missing from the new one (lost coverage: a subset does not pass for the whole).
  --json                  the diff as data
  --allow-lost-coverage   cases only in the old report do not fail the diff (comparing a selection on purpose)`,
  },
  verify: {
    summary: "check a report's digest and signature; exit 1 if the file changed",
    positionals: [1, 1],
    options: { ...COMMON, key: { type: 'string' } },
    usage: `usage: bits-conformance verify <report.json> [--key <public key PEM>]

Checks the report's digest and signature and that the file is byte for byte as written; exit 1 if not.
  --key <file>   the signer's Ed25519 public key (default: the key the report names)`,
  },
};

export const USAGE = `usage: bits-conformance [<command>] [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`)
  .join('\n')}

\`bits-conformance <command> --help\` shows a command's options; \`bits-conformance --version\` the version.
Exit codes: 0 conformant, 1 non-conformant, 2 usage or harness error, 3 vacuous (nothing was checked).`;

/** A usage error that knows which command's usage to print. */
class CommandUsageError extends UsageError {
  constructor(message: string, readonly usage: string) {
    super(message);
  }
}

function parse(name: string, argv: string[]) {
  const command = COMMANDS[name]!;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: command.options, tokens: true });
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '(--?[^']+)'/.exec(message)?.[1];
    if (unknown) message = `${message.split('. ')[0]}${didYouMean(unknown, Object.keys(command.options).map((o) => `--${o}`))}`;
    throw new CommandUsageError(message, command.usage);
  }
  // parseArgs keeps the last of a repeated option: a second --client would silently replace the first.
  const seen = new Map<string, string | undefined>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && command.options[token.name]?.type === 'string') {
      throw new CommandUsageError(`--${token.name} is given twice ('${seen.get(token.name)}' and '${token.value}'); give it once${specOf(keyOfFlag(token.name) as OptionKey)?.type === 'list' ? ` (a list is one value: --${token.name} a,b)` : ''}`, command.usage);
    }
    seen.set(token.name, token.value);
  }
  const { positionals, values } = parsed;
  if (values.help) return { values, positionals };
  const [min, max] = command.positionals;
  if (positionals.length > max) throw new CommandUsageError(`unexpected argument '${positionals[max]}'`, command.usage);
  if (positionals.length < min) throw new CommandUsageError(`${name} needs ${min === 1 ? 'a file' : `${min} files`}`, command.usage);
  return { values, positionals };
}

/** The flags of `run` as ConformanceOptions (lists split at commas), checked for form. */
export const runFlags = fromFlagValues;

async function runFromArgs(argv: string[], invocation: Invocation): Promise<number> {
  const { values } = parse('run', argv);
  if (values.help) {
    console.log(COMMANDS.run!.usage);
    return 0;
  }
  const flags = runFlags(values);
  checkOptions(flags, fromFlags);
  const { findConfig, loadConfig } = await import('./config.js');
  const configFile = findConfig(process.cwd(), typeof values.config === 'string' ? values.config : undefined);
  const config = configFile ? await loadConfig(configFile) : undefined;
  if (config) checkOptions(config.options, fromConfig);
  // A client given on the command line replaces the config's client, of either kind.
  const fromFile: ConformanceOptions = { ...config?.options };
  if (flags.client !== undefined || flags.clientCmd !== undefined) {
    delete fromFile.client;
    delete fromFile.clientCmd;
  }
  const options: ConformanceOptions = { ...fromFile, ...flags };
  if (options.debug) debugRequested = true;
  // Each value named where it came from: the command line or the config file.
  const where: Where = (key, index) => (key in flags || !config ? fromFlags : fromConfig)(key, index);
  const checked = checkOptions(options, where, { whole: true });
  // A replay (--case) prints its transcript; it writes a report only where the command line says,
  // never over the full run's report in the config's or the default folder.
  const out = options.case !== undefined ? flags.out : (options.out ?? 'reports');
  const { runCommand } = await import('./run.js');
  const { out: _out, ...run } = runOptionsFrom(options, checked);
  return runCommand({
    ...run,
    ...(out !== undefined ? { out } : {}),
    ...(options.clientCmd ? { clientCwd: flags.clientCmd === undefined && config ? config.dir : process.cwd() } : {}),
    command: invocation.runCommand,
  });
}

/** The command a command line names, and its arguments; no command word means `run` (npm start -- --client x). */
function commandOf(argv: string[]): { name: string; rest: string[] } {
  const first = argv[0];
  const name = first === undefined || first.startsWith('-') ? 'run' : first;
  if (!COMMANDS[name]) throw new UsageError(`unknown command '${name}'${didYouMean(name, Object.keys(COMMANDS))}`);
  return { name, rest: name === first ? argv.slice(1) : argv };
}

/** Checks a command line as cli() would, without running anything: its command, or the one-line error. */
export function checkCommandLine(argv: string[]): string {
  if (['--version', '-v', '--help', '-h', 'help'].includes(argv[0] ?? '')) return 'help';
  const { name, rest } = commandOf(argv);
  const { values } = parse(name, rest);
  if (name === 'run') checkOptions(runFlags(values), fromFlags);
  return name;
}

/** Set by `debug: true` in the config file, which is read after the command line. */
let debugRequested = false;

/** Runs one command line; never throws: problems become one line on stderr and exit code 2. */
export async function cli(argv: string[], invocation: Invocation = NPX): Promise<number> {
  debugRequested = argv.includes('--debug');
  try {
    return await dispatch(argv, invocation);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bits-conformance: ${error.message}`);
      console.error(error instanceof CommandUsageError ? error.usage : USAGE);
    } else {
      console.error(`bits-conformance: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      if (debugRequested && error instanceof Error) console.error(error.stack);
    }
    return 2;
  }
}

async function dispatch(argv: string[], invocation: Invocation): Promise<number> {
  const first = argv[0];
  if (first === '--version' || first === '-v') {
    const { SUITE_NAME, SUITE_VERSION } = await import('../report/report.js');
    console.log(`${SUITE_NAME} ${SUITE_VERSION}`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? argv[1] : undefined;
    if (topic !== undefined && !COMMANDS[topic]) throw new UsageError(`unknown command '${topic}'${didYouMean(topic, Object.keys(COMMANDS))}`);
    console.log(topic ? COMMANDS[topic]!.usage : USAGE);
    return 0;
  }
  const { name, rest } = commandOf(argv);
  if (name === 'run') return runFromArgs(rest, invocation);

  const { values, positionals } = parse(name, rest);
  if (values.help) {
    console.log(COMMANDS[name]!.usage);
    return 0;
  }
  const str = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  switch (name) {
    case 'rules': {
      const { rulesCommand } = await import('./rules-command.js');
      if (values.json && values.markdown) throw new CommandUsageError('give --json or --markdown, not both', COMMANDS.rules!.usage);
      return rulesCommand(positionals[0], { json: values.json === true, markdown: values.markdown === true, command: invocation.command });
    }
    case 'serve': {
      const { serveCommand } = await import('./serve.js');
      return serveCommand({ appStatus: str('app-status'), relay: str('relay'), port: str('port') });
    }
    case 'init': {
      const { initCommand } = await import('./init.js');
      return initCommand(process.cwd(), { force: values.force === true, command: invocation.command });
    }
    case 'merge': {
      const { mergeCommand } = await import('./merge.js');
      return mergeCommand(positionals, { out: str('out') ?? 'reports', formats: str('format'), sign: str('sign') });
    }
    case 'diff':
      return (await import('../report/commands.js')).diffCommand(positionals, { json: values.json === true, allowLostCoverage: values['allow-lost-coverage'] === true });
    case 'verify': {
      const key = str('key');
      return (await import('../report/commands.js')).verifyCommand(positionals, key ? { key } : {});
    }
  }
  throw new UsageError(`unknown command '${name}'`);
}

// Run directly (npm start, tsx src/cli/main.ts): printed `run` commands are `npm start -- ...`,
// which works in this repository without installing anything.

if (isEntry(import.meta.url)) {
  process.exitCode = await cli(process.argv.slice(2), { command: 'npx bits-conformance', runCommand: 'npm start --' });
}
