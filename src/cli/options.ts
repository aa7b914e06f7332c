// The options of `run`, which come from three places that must agree: command-line flags, the
// config file (bits-conformance.config.json, see config.ts) and runConformance(). All three arrive as
// ConformanceOptions and are checked here, with errors that name the flag, the config path or the
// option as the user wrote it.
import type { CaseSelection } from '../harness/selection.js';
import { FIRST_STATUS, LAST_STATUS, interpretationIds, ruleTable } from '../rules/index.js';
import type { ReportFormat } from '../report/publish.js';
import { FORMAT_NAMES, flagName, OPTION_KEYS, specOf, type ConformanceOptions, type OptionKey, type OptionSpec } from './option-table.js';

// The selection as the flags that make it lives with the verdict, which names a partial run by it.
export { selectionFlags } from '../report/verdict.js';
export { FORMAT_NAMES, OPTION_KEYS, flagName, type ConformanceOptions } from './option-table.js';

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

/** Whether a value has the type and range its option's spec says (flags and API; the config's schema says the same). */
function formProblem(spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? undefined : ' needs a non-empty value';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : ' must be true or false';
    case 'integer':
      return Number.isInteger(value) && (value as number) >= spec.minimum && (value as number) <= spec.maximum ? undefined : ` must be a whole number from ${spec.minimum} to ${spec.maximum}, got '${String(value)}'`;
    case 'number':
      return typeof value === 'number' && value > spec.exclusiveMinimum && value <= spec.maximum ? undefined : ` must be a number above ${spec.exclusiveMinimum} and at most ${spec.maximum}, got '${String(value)}'`;
    case 'list':
      return Array.isArray(value) && value.length > 0 ? undefined : ': give at least one value';
  }
}

/** Every key known, every value of its option's type; lists of known values checked item by item. */
function checkForms(options: ConformanceOptions, where: Where): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(OPTION_KEYS as string[]).includes(key)) throw new OptionError(`${where(key as OptionKey)} is not an option of run${didYouMean(key, OPTION_KEYS)}`);
    const spec = specOf(key as OptionKey);
    const problem = formProblem(spec, value);
    if (problem) throw new OptionError(`${where(key as OptionKey)}${problem}`);
    if (spec.type === 'list' && spec.values) {
      (value as unknown[]).forEach((v, i) => oneOf(String(v), spec.values!, where(key as OptionKey, i), spec.noun ?? 'a known value'));
    }
  }
}

/** The case selection the selection options describe. */
function selectionOf(options: ConformanceOptions, where: Where): CaseSelection {
  const selection: CaseSelection = {};
  if (options.codes) selection.codes = options.codes.map((item, i) => parseCodeRange(item, where('codes', i)));
  if (options.rules) {
    const known = ruleTable.rules.map((r) => r.id);
    selection.rules = options.rules.map((id, i) => {
      if (typeof id === 'string' && known.includes(id.trim())) return id.trim();
      throw new OptionError(`${where('rules', i)}: '${String(id)}' is not a rule ID${didYouMean(String(id), known)}; \`bits-conformance rules\` lists them`);
    });
  }
  if (options.relay) selection.relays = [...options.relay];
  if (options.jobType) selection.jobTypes = [...options.jobType];
  if (options.case !== undefined) selection.cases = [options.case.trim()];
  if (options.shard !== undefined) selection.shard = parseShard(String(options.shard), where('shard'));
  return selection;
}

/**
 * Checks what a schema cannot (status ranges, rule IDs from the live rule table, i <= n, one client)
 * and builds the case selection. Flags and API options are checked for type here too; the config
 * file's were checked against its schema before. `whole`: these are all the options of the run (not
 * the flags alone before the config file's join them), so options that depend on each other are checked.
 */
export function checkOptions(options: ConformanceOptions, where: Where, { whole = false } = {}): CheckedOptions {
  if (options.client !== undefined && options.clientCmd !== undefined) throw new OptionError(`give ${where('client')} or ${where('clientCmd')}, not both`);
  if (options.format !== undefined && where === fromFlags && Array.isArray(options.format) && options.format.some((f) => !(FORMAT_NAMES as readonly string[]).includes(String(f)))) {
    // On the command line the list is one value: say it as it was typed.
    throw new OptionError(`--format takes a comma-separated list of ${FORMAT_NAMES.join(', ')}; got '${options.format.join(',')}'`);
  }
  checkForms(options, where);
  if (whole && options.retryDelayMs !== undefined && options.clientCmd === undefined) {
    throw new OptionError(`${where('retryDelayMs')} is for a client in another process (${flagName('clientCmd')}); an in-process client runs on virtual time with the real defaults (600 s, 14 days)`);
  }
  if (whole && options.workers !== undefined && options.clientCmd !== undefined) {
    throw new OptionError(`${where('workers')} is for an in-process client; a client in another process (${flagName('clientCmd')}) runs its cases side by side on the wall clock in one worker`);
  }
  const checked: CheckedOptions = { selection: selectionOf(options, where) };
  if (options.interpretationsOff) checked.interpretationsOff = options.interpretationsOff.map((id, i) => interpretationId(String(id).trim(), where('interpretationsOff', i)));
  if (options.format) checked.formats = [...new Set(options.format)];
  return checked;
}

/** The options of `run` a flag gives, from parseArgs' values: lists split at commas, numbers read. */
export function fromFlagValues(values: Record<string, string | boolean | (string | boolean)[] | undefined>): ConformanceOptions {
  const options: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const flag = flagName(key);
    const value = values[flag.slice(2)];
    if (value === undefined) continue;
    const spec = specOf(key);
    if (spec.type === 'boolean') {
      if (value === true) options[key] = true;
      continue;
    }
    const text = String(value);
    if (spec.type === 'list') options[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
    else if (spec.type === 'integer') {
      if (!/^\d{1,9}$/.test(text)) throw new OptionError(`${flag} must be a whole number, got '${text}'`);
      options[key] = Number(text);
    } else if (spec.type === 'number') {
      if (!/^\d+(\.\d+)?$/.test(text)) throw new OptionError(`${flag} must be a number such as 2 or 1.5, got '${text}'`);
      options[key] = Number(text);
    } else options[key] = text;
  }
  return options as ConformanceOptions;
}

/**
 * What runSuite() takes from checked options: every option as it is, except those checkOptions turned
 * into the selection, the formats and the interpretations.
 */
export function runOptionsFrom(options: ConformanceOptions, checked: CheckedOptions) {
  const { codes: _c, rules: _r, relay: _re, jobType: _j, case: _ca, shard: _s, format: _f, debug: _d, interpretationsOff: _i, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== false)) as typeof rest;
  return {
    ...defined,
    selection: checked.selection,
    ...(checked.formats ? { formats: checked.formats.join(',') } : {}),
    ...(checked.interpretationsOff?.length ? { interpretationsOff: checked.interpretationsOff } : {}),
  };
}

/** An interpretation's rule ID, or a one-line error: only interpretations may be switched off. */
function interpretationId(id: string, where: string): string {
  const interpretations = interpretationIds();
  if (interpretations.includes(id)) return id;
  const known = ruleTable.rules.some((r) => r.id === id);
  throw new OptionError(`${where}: ${known ? `'${id}' is a rule the sources state, not an interpretation: it cannot be switched off` : `'${id}' is not an interpretation${didYouMean(id, interpretations)}`}; \`bits-conformance rules\` lists them`);
}

export function isWholeSuite(selection: CaseSelection): boolean {
  return Object.keys(selection).length === 0;
}
