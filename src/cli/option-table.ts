// The options of `run`, in one table. Everything else is derived from it: the command-line flags and
// their help (main.ts), the config file's schema (config.schema.json, held to configSchema() by a
// test), the type of runConformance()'s options (ConformanceOptions), the flags a printed command
// repeats and what the report records of a run (report.options, which `merge` compares). Adding an
// option is one entry here, plus the code where it takes effect.
import { JOB_TYPES } from '../harness/contract.js';
import type { ReportFormat } from '../report/publish.js';
import { RELAY_FORMS } from '../server/relay-forms.js';

/** Written out here rather than imported: publish.ts loads the report's modules, which reading options does not need (options.test.ts holds the two lists equal). */
export const FORMAT_NAMES: readonly ReportFormat[] = ['json', 'junit', 'html', 'md'];

/** The headings of `run --help`, in order. */
export const SECTIONS = {
  client: 'The client:',
  cases: 'Which cases (each narrows the run; a list means any of its values):',
  judging: 'Judging:',
  reports: 'Reports:',
  other: '',
} as const;

interface Common {
  section: keyof typeof SECTIONS;
  /** The argument in the usage, e.g. `<module>`; none for a switch. */
  arg?: string;
  /** What it does, for --help and the config schema. */
  help: string;
  /** A file or folder: relative to the config file's folder when given there. */
  path?: true;
  /** Recorded in report.options when given (not at its default), so a report says how it was run. */
  recorded?: true;
  /** The command line and the config file only, not runConformance(). */
  cliOnly?: true;
}

export type OptionSpec =
  | (Common & { type: 'string'; pattern?: string })
  | (Common & { type: 'boolean' })
  | (Common & { type: 'integer'; minimum: number; maximum: number })
  | (Common & { type: 'number'; exclusiveMinimum: number; maximum: number; default: number })
  | (Common & { type: 'list'; values?: readonly string[]; noun?: string; pattern?: string; codes?: true; unique?: true });

const RULE_ID = '^[A-Z0-9]+(-[A-Z0-9]+)*$';

export const OPTION_TABLE = {
  /** An in-process client module (TypeScript or JavaScript); default: the bundled reference client. */
  client: { section: 'client', type: 'string', arg: '<module>', path: true, help: 'an in-process client module (TS or JS) whose default export follows the client contract; default: the bundled reference client' },
  /** A client in any language: a command speaking bits-conformance/1 (docs/process-protocol.md). */
  clientCmd: { section: 'client', type: 'string', arg: '<command>', help: 'a client in any language: a command that speaks bits-conformance/1 on stdin/stdout (docs/process-protocol.md) and uploads over real TCP; from a config file it runs in that file\'s folder' },
  /** MinimumRetryDelay for a --client-cmd client, in ms (default 200). */
  retryDelayMs: { section: 'client', type: 'integer', arg: '<ms>', minimum: 1, maximum: 9_999_999, help: 'MinimumRetryDelay for a --client-cmd client (default 200; NoProgressTimeout is ten of them); an in-process client runs on virtual time with the real defaults' },
  /** Application statuses: `404`, or inclusive ranges `400-499`. */
  codes: { section: 'cases', type: 'list', codes: true, arg: '<list>', help: 'application statuses, e.g. 400-499,503' },
  /** Only cases that check one of these rule IDs. */
  rules: { section: 'cases', type: 'list', pattern: RULE_ID, arg: '<list>', help: 'cases that check one of these rule IDs, e.g. APP-4XX,TRANSIENT-RETRY' },
  relay: { section: 'cases', type: 'list', values: RELAY_FORMS, noun: 'a relay form', arg: '<list>', help: 'relay forms: mirror, alt-header' },
  jobType: { section: 'cases', type: 'list', values: JOB_TYPES, noun: 'a job type', arg: '<list>', help: 'job types: upload, upload-reply' },
  /** Exactly one case, by id, with its transcript printed. */
  case: { section: 'cases', type: 'string', arg: '<id>', help: "exactly one case, with its transcript printed (the report's replay command); writes no report unless --out is given on the command line" },
  /** `i/n`: this machine's share of the selected cases. */
  shard: { section: 'cases', type: 'string', arg: '<i/n>', pattern: '^[1-9][0-9]{0,3}/[1-9][0-9]{0,3}$', help: "this machine's share of the selected cases; combine the reports with `bits-conformance merge`" },
  /** SHOULD rules fail a case instead of warning. */
  strict: { section: 'judging', type: 'boolean', recorded: true, help: 'SHOULD rules fail a case instead of warning' },
  /** Interpretations switched off, by rule ID: their failures are not counted (a partial run, never a certification). */
  interpretationsOff: { section: 'judging', type: 'list', pattern: RULE_ID, unique: true, recorded: true, arg: '<ids>', help: 'interpretations not judged (see `rules`); such a run is partial, never a certification' },
  /** Stop after the first case that does not pass. */
  bail: { section: 'judging', type: 'boolean', recorded: true, help: 'stop after the first case that does not pass' },
  /** Scales the per-case time limit and a process client's per-command answer time. */
  timeoutMultiplier: { section: 'judging', type: 'number', exclusiveMinimum: 0, maximum: 100, default: 1, recorded: true, arg: '<x>', help: "scale the per-case time limits and a process client's answer time (slow CI machines)" },
  /** A list of accepted failures (src/report/expected-failures.schema.json). */
  expectFail: { section: 'judging', type: 'string', arg: '<file>', path: true, help: 'accepted failures (case or rule, reason, link, expires): they become xfail, and the run is partial' },
  /** An earlier conformance.json: the exit code then gates on regressions only. */
  baseline: { section: 'judging', type: 'string', arg: '<file>', path: true, help: 'an earlier conformance.json: exit 1 only if a case got worse than there' },
  /** Where the report files go (CLI default: reports). */
  out: { section: 'reports', type: 'string', arg: '<dir>', path: true, help: 'where the reports go (default: reports); its parent folder must exist' },
  format: { section: 'reports', type: 'list', values: FORMAT_NAMES, noun: 'a report format', arg: '<list>', help: 'json,junit,html,md (default: all four)' },
  /** An Ed25519 private key (PEM) that signs the report's digest. */
  sign: { section: 'reports', type: 'string', arg: '<file>', path: true, help: "an Ed25519 private key (PEM) that signs the report's digest" },
  /** Worker processes for an in-process client's suite files (each runs its cases one at a time, on its own virtual clock). */
  workers: { section: 'other', type: 'integer', arg: '<n>', minimum: 1, maximum: 64, help: "worker processes that run an in-process client's suite files side by side (default: the machine's available parallelism; 1 uses the least memory)" },
  /** Stack traces for harness errors. */
  debug: { section: 'other', type: 'boolean', cliOnly: true, help: 'print stack traces of harness errors' },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof OPTION_TABLE;

type ValueOf<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'integer' | 'number' }
    ? number
    : S extends { type: 'list'; values: readonly (infer V)[] }
      ? V[]
      : S extends { type: 'list'; codes: true }
        ? (string | number)[]
        : S extends { type: 'list' }
          ? string[]
          : string;

/** Everything `run` can be told; the config file holds the same keys (config.schema.json). */
export type ConformanceOptions = { -readonly [K in keyof typeof OPTION_TABLE]?: ValueOf<(typeof OPTION_TABLE)[K]> };

export const OPTION_KEYS = Object.keys(OPTION_TABLE) as OptionKey[];

export const specOf = (key: OptionKey): OptionSpec => OPTION_TABLE[key];

/** The selection keys: they build the case selection (src/harness/selection.ts). */
export type SelectionKey = { [K in OptionKey]: (typeof OPTION_TABLE)[K]['section'] extends 'cases' ? K : never }[OptionKey];
export const SELECTION_KEYS = OPTION_KEYS.filter((k): k is SelectionKey => specOf(k).section === 'cases');

/** Options of the command line and the config file that runConformance() does not take. */
export type CliOnlyKey = { [K in OptionKey]: (typeof OPTION_TABLE)[K] extends { cliOnly: true } ? K : never }[OptionKey];

/** Paths, resolved against the config file's folder when given there. */
export const PATH_KEYS = OPTION_KEYS.filter((k) => specOf(k).path);

/** Options the report records (report.options), which `merge` requires to be equal across shards. */
export const RECORDED_KEYS = OPTION_KEYS.filter((k) => specOf(k).recorded);

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;

/** The key of a flag name without its dashes: `job-type` -> `jobType`. */
export const keyOfFlag = (flag: string): string => flag.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** The config file's JSON Schema, as config.schema.json holds it. */
export function configSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = { $schema: { type: 'string' } };
  for (const key of OPTION_KEYS) {
    const spec = specOf(key);
    properties[key] = { description: `${flagName(key)}: ${spec.help}.`, ...valueSchema(spec) };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'bits-conformance.config.json',
    description: 'Options of `bits-conformance run`, one key per command-line option (camelCase). A flag given on the command line wins over the same key here. Relative paths are relative to this file. Generated from src/cli/option-table.ts.',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}

function valueSchema(spec: OptionSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'string':
      return { type: 'string', minLength: 1, ...(spec.pattern ? { pattern: spec.pattern } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', minimum: spec.minimum, maximum: spec.maximum };
    case 'number':
      return { type: 'number', exclusiveMinimum: spec.exclusiveMinimum, maximum: spec.maximum };
    case 'list': {
      const items = spec.values
        ? { enum: spec.values }
        : spec.codes
          ? { type: ['string', 'integer'], pattern: '^[1-5][0-9]{2}(-[1-5][0-9]{2})?$', minimum: 100, maximum: 599 }
          : { type: 'string', ...(spec.pattern ? { pattern: spec.pattern } : {}) };
      return { type: 'array', minItems: 1, ...(spec.unique ? { uniqueItems: true } : {}), items };
    }
  }
}

/** Wraps `text` to lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

const HELP_COLUMN = 25;
const HELP_WIDTH = 100;

/** One option in `--help`: the flag and its argument, then the text in a column (on the next line when the flag is long). */
export function helpLines(flag: string, text: string): string[] {
  const head = `  ${flag}`;
  const body = wrap(text, HELP_WIDTH - HELP_COLUMN);
  const pad = ' '.repeat(HELP_COLUMN);
  if (head.length >= HELP_COLUMN - 1) return [head, ...body.map((l) => pad + l)];
  return [head.padEnd(HELP_COLUMN) + body[0], ...body.slice(1).map((l) => pad + l)];
}

/** The option part of `run --help`, section by section. */
export function optionsHelp(extra: Partial<Record<keyof typeof SECTIONS, [string, string][]>> = {}): string {
  const out: string[] = [];
  for (const [section, heading] of Object.entries(SECTIONS) as [keyof typeof SECTIONS, string][]) {
    const lines = OPTION_KEYS.filter((k) => specOf(k).section === section).flatMap((k) => {
      const spec = specOf(k);
      return helpLines(`${flagName(k)}${spec.arg ? ` ${spec.arg}` : ''}`, spec.help);
    });
    lines.push(...(extra[section] ?? []).flatMap(([flag, text]) => helpLines(flag, text)));
    if (!lines.length) continue;
    out.push('', ...(heading ? [heading] : []), ...lines);
  }
  return out.join('\n').replace(/^\n/, '');
}
