// The options of `run`, which come from three places that must agree: command-line flags, the
// config file (bits-conformance.config.json, see config.ts) and runConformance(). All three arrive as
// ConformanceOptions and are checked here, with errors that name the flag, the config path or the
// option as the user wrote it.
import type { JobType } from '../harness/contract.js';
import type { CaseSelection } from '../harness/selection.js';
import { FIRST_STATUS, LAST_STATUS, interpretationIds, ruleTable } from '../rules/index.js';
import type { ReportFormat } from '../report/publish.js';
import type { RelayForm } from '../server/acks.js';

/** Written out here rather than imported, so that checking options does not load msw or vitest. */
export const RELAY_FORM_NAMES: readonly RelayForm[] = ['mirror', 'alt-header'];
export const JOB_TYPE_NAMES: readonly JobType[] = ['upload', 'upload-reply'];
export const FORMAT_NAMES: readonly ReportFormat[] = ['json', 'junit', 'html', 'md'];

/** Everything `run` can be told; the config file holds the same keys (config.schema.json). */
export interface ConformanceOptions {
  /** An in-process client module (TypeScript or JavaScript); default: the bundled reference client. */
  client?: string;
  /** A client in any language: a command speaking bits-conformance/1 (docs/process-protocol.md). */
  clientCmd?: string;
  /** MinimumRetryDelay for a --client-cmd client, in ms (default 200). */
  retryDelayMs?: number;
  /** Application statuses: `404`, or inclusive ranges `400-499`. */
  codes?: (string | number)[];
  /** Only cases that check one of these rule IDs. */
  rules?: string[];
  relay?: RelayForm[];
  jobType?: JobType[];
  /** Exactly one case, by id, with its transcript printed. */
  case?: string;
  /** `i/n`: this machine's share of the selected cases. */
  shard?: string;
  /** Where the report files go (CLI default: reports). */
  out?: string;
  format?: ReportFormat[];
  baseline?: string;
  expectFail?: string;
  sign?: string;
  /** SHOULD rules fail a case instead of warning. */
  strict?: boolean;
  /** Interpretations switched off, by rule ID: their failures are not counted (never a full certification). */
  interpretationsOff?: string[];
  /** Stop after the first case that does not pass. */
  bail?: boolean;
  /** Scales the per-case time limit and a process client's per-command answer time. */
  timeoutMultiplier?: number;
  /** Stack traces for harness errors. */
  debug?: boolean;
}

export const OPTION_KEYS: readonly (keyof ConformanceOptions)[] = [
  'client', 'clientCmd', 'retryDelayMs', 'codes', 'rules', 'relay', 'jobType', 'case', 'shard', 'out', 'format',
  'baseline', 'expectFail', 'sign', 'strict', 'interpretationsOff', 'bail', 'timeoutMultiplier', 'debug',
];

/** A bad option value: one line, exit 2, before anything runs. */
/**
 * Characters a terminal does not show (controls, format characters such as a byte-order mark or a
 * zero-width space, separators other than the plain space, private and unassigned code points, lone
 * surrogates), written as `\u{...}` so a message about them can be read.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu;
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}

/** A bad option, from a flag, the config file or the API: one line, invisible characters shown. */
export class OptionError extends Error {
  constructor(message: string) {
    super(showInvisible(message));
    this.name = 'OptionError';
  }
}

/** How an error names the place a value came from: `--codes` on the command line, `/codes/0` in the config file. */
export type Where = (key: keyof ConformanceOptions, index?: number) => string;

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
export const fromFlags: Where = (key) => flagName(key);
export const fromConfig: Where = (key, index) => `config: /${key}${index === undefined ? '' : `/${index}`}`;
export const fromApi: Where = (key, index) => `options.${key}${index === undefined ? '' : `[${index}]`}`;

/** Edit distance, for "did you mean": small inputs only (option and rule names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean X?)` when one known name is close to what was typed, else ''. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const lower = typed.toLowerCase();
  const best = known
    .map((k) => ({ k, d: distance(lower, k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(typed.length / 3)) ? ` (did you mean ${best.k}?)` : '';
}

/** `400-499` -> [400, 499]; `503` -> [503, 503]; anything else is refused with the place it came from. */
export function parseCodeRange(item: string | number, where: string): [number, number] {
  const text = String(item).trim();
  const m = /^(\d{3})(?:-(\d{3}))?$/.exec(text);
  if (!m) throw new OptionError(`${where}: '${text}' is not a status or a range of statuses such as 404 or 400-499`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const n of [from, to]) {
    if (n < FIRST_STATUS || n > LAST_STATUS) throw new OptionError(`${where}: ${n} is outside the application statuses ${FIRST_STATUS}-${LAST_STATUS}`);
  }
  if (from > to) throw new OptionError(`${where}: the range ${text} runs backwards`);
  return [from, to];
}

export function parseShard(text: string, where: string): { index: number; count: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count) throw new OptionError(`${where}: '${text}' is not a shard i/n with 1 <= i <= n (e.g. 2/4)`);
  return { index, count };
}

/** Options checked and turned into what a run uses. */
export interface CheckedOptions {
  selection: CaseSelection;
  formats?: ReportFormat[];
  interpretationsOff?: string[];
}

function oneOf<T extends string>(value: string, known: readonly T[], where: string, what: string): T {
  if ((known as readonly string[]).includes(value)) return value as T;
  throw new OptionError(`${where}: '${value}' is not ${what}; use ${known.join(', ')}${didYouMean(value, known)}`);
}

/**
 * Checks what a schema cannot (status ranges, rule IDs from the live rule table, i <= n, one client)
 * and builds the case selection. The config file's types and keys were checked against its schema
 * before; flags and API options are checked for type here too.
 */
export function checkOptions(options: ConformanceOptions, where: Where): CheckedOptions {
  if (options.client !== undefined && options.clientCmd !== undefined) throw new OptionError(`give ${where('client')} or ${where('clientCmd')}, not both`);
  const selection: CaseSelection = {};
  const list = <T>(key: keyof ConformanceOptions, value: readonly T[] | undefined): readonly T[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0) throw new OptionError(`${where(key)}: give at least one value`);
    return value;
  };
  const codes = list('codes', options.codes);
  if (codes) selection.codes = codes.map((item, i) => parseCodeRange(item, where('codes', i)));
  const rules = list('rules', options.rules);
  if (rules) {
    const known = ruleTable.rules.map((r) => r.id);
    selection.rules = rules.map((id, i) => {
      if (typeof id === 'string' && known.includes(id.trim())) return id.trim();
      throw new OptionError(`${where('rules', i)}: '${String(id)}' is not a rule ID${didYouMean(String(id), known)}; \`bits-conformance rules\` lists them`);
    });
  }
  const relays = list('relay', options.relay);
  if (relays) selection.relays = relays.map((r, i) => oneOf(String(r), RELAY_FORM_NAMES, where('relay', i), 'a relay form'));
  const jobTypes = list('jobType', options.jobType);
  if (jobTypes) selection.jobTypes = jobTypes.map((t, i) => oneOf(String(t), JOB_TYPE_NAMES, where('jobType', i), 'a job type'));
  if (options.case !== undefined) {
    if (typeof options.case !== 'string' || options.case.trim() === '') throw new OptionError(`${where('case')}: give a case id such as app/404/mirror/upload`);
    selection.cases = [options.case.trim()];
  }
  if (options.shard !== undefined) selection.shard = parseShard(String(options.shard), where('shard'));
  const checked: CheckedOptions = { selection };
  const off = list('interpretationsOff', options.interpretationsOff);
  if (off) checked.interpretationsOff = off.map((id, i) => interpretationId(String(id).trim(), where('interpretationsOff', i)));
  const formats = list('format', options.format);
  if (formats) {
    // On the command line the list is one value: say it as it was typed.
    if (where === fromFlags && formats.some((f) => !(FORMAT_NAMES as readonly string[]).includes(String(f)))) {
      throw new OptionError(`--format takes a comma-separated list of ${FORMAT_NAMES.join(', ')}; got '${formats.join(',')}'`);
    }
    checked.formats = [...new Set(formats.map((f, i) => oneOf(String(f), FORMAT_NAMES, where('format', i), 'a report format')))];
  }
  const retry = options.retryDelayMs;
  if (retry !== undefined && !(Number.isInteger(retry) && retry >= 1 && retry <= 9_999_999)) {
    throw new OptionError(`${where('retryDelayMs')} must be a whole number of milliseconds from 1 to 9999999, got '${String(retry)}'`);
  }
  const multiplier = options.timeoutMultiplier;
  if (multiplier !== undefined && !(typeof multiplier === 'number' && multiplier > 0 && multiplier <= 100)) {
    throw new OptionError(`${where('timeoutMultiplier')} must be a number above 0 and at most 100, got '${String(multiplier)}'`);
  }
  for (const key of ['client', 'clientCmd', 'out', 'baseline', 'expectFail', 'sign'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw new OptionError(`${where(key)} needs a non-empty value`);
  }
  return checked;
}

/** An interpretation's rule ID, or a one-line error: only interpretations may be switched off. */
function interpretationId(id: string, where: string): string {
  const interpretations = interpretationIds();
  if (interpretations.includes(id)) return id;
  const known = ruleTable.rules.some((r) => r.id === id);
  throw new OptionError(`${where}: ${known ? `'${id}' is a rule the sources state, not an interpretation: it cannot be switched off` : `'${id}' is not an interpretation${didYouMean(id, interpretations)}`}; \`bits-conformance rules\` lists them`);
}

/** The selection as the flags that make it, for printed commands and the summary: `--codes 400-499 --shard 1/3`. */
export function selectionFlags(selection: CaseSelection, { withShard = true, withCase = true } = {}): string[] {
  const flags: string[] = [];
  if (selection.codes) flags.push('--codes', selection.codes.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(','));
  if (selection.rules) flags.push('--rules', selection.rules.join(','));
  if (selection.relays) flags.push('--relay', selection.relays.join(','));
  if (selection.jobTypes) flags.push('--job-type', selection.jobTypes.join(','));
  if (withCase && selection.cases) flags.push('--case', selection.cases.join(','));
  if (withShard && selection.shard) flags.push('--shard', `${selection.shard.index}/${selection.shard.count}`);
  return flags;
}

export function isWholeSuite(selection: CaseSelection): boolean {
  return Object.keys(selection).length === 0;
}
