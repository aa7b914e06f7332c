// The config file: bits-conformance.config.json (or .ts, whose default export is the same object) in
// the current folder, or the file --config names. It holds the options of `run` under their camelCase
// names, is checked against config.schema.json, and every problem is one line with the JSON path.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import schema from './config.schema.json' with { type: 'json' };
import { didYouMean, OptionError, type ConformanceOptions } from './options.js';
import { OPTION_KEYS, PATH_KEYS } from './option-table.js';
import { describeLoadError, unwrapCommonJs } from '../harness/client-module.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export const CONFIG_FILES = ['bits-conformance.config.json', 'bits-conformance.config.ts'] as const;

/** The schema's path inside the package, for `$schema` in generated config files. */
export const CONFIG_SCHEMA_PATH = 'node_modules/bits-conformance/src/cli/config.schema.json';

export interface LoadedConfig {
  file: string;
  /** Relative paths already resolved against the file's folder. */
  options: ConformanceOptions;
  /** The folder a --client-cmd from the file runs in. */
  dir: string;
}

let validate: ReturnType<Ajv2020['compile']> | undefined;

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** One ajv error as a line: `/codes/0 must match pattern "..."`, or `/colour is not an option (did you mean ...?)`. */
function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty?: string }).additionalProperty);
    return `${error.instancePath}/${key} is not an option of run${didYouMean(key, OPTION_KEYS)}`;
  }
  if (error.keyword === 'enum') {
    return `${error.instancePath} must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String).join(', ')}`;
  }
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}

/** Checks parsed config data; the first problem is thrown as `config: <path> <problem> (<file>)`. */
export function checkConfig(data: unknown, file: string): ConformanceOptions {
  validate ??= (() => {
    // Union types (a status as 404 or "404") need allowUnionTypes under strict mode.
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    return ajv.compile(schema);
  })();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // An object-level problem (a wrong key) first: it explains the rest.
    const first = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    throw new OptionError(`config: ${first ? describe(first) : 'is invalid'} in ${shown(file)}${more}`);
  }
  const { $schema: _ignored, ...options } = data as ConformanceOptions & { $schema?: string };
  return options;
}

/** The config file to use: the one given, else one of CONFIG_FILES in `cwd`, else none. */
export function findConfig(cwd: string, given?: string): string | undefined {
  if (given !== undefined) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new OptionError(`config file not found: ${file}`);
    return file;
  }
  const found = CONFIG_FILES.map((name) => resolve(cwd, name)).filter((f) => existsSync(f));
  if (found.length > 1) throw new OptionError(`two config files in ${cwd}: ${CONFIG_FILES.join(' and ')}; keep one`);
  return found[0];
}

async function readConfigData(file: string): Promise<unknown> {
  if (/\.[cm]?[jt]s$/.test(file)) {
    // A .ts config is imported (the CLI runs under tsx); its default export is the options object.
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      throw new OptionError(`config ${shown(file)} does not load: ${describeLoadError(error, file)}`);
    }
    const value = unwrapCommonJs(mod.default);
    if (value === undefined) throw new OptionError(`config ${shown(file)} has no default export (export default { client: './client.ts' })`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new OptionError(`config ${shown(file)}: ${(error as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (error as Error).message}`);
  }
  // A byte-order mark is how some Windows editors start a UTF-8 file; JSON.parse refuses it.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new OptionError(`config ${shown(file)} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const options = checkConfig(await readConfigData(file), file);
  const dir = dirname(file);
  for (const key of PATH_KEYS) {
    const value = options[key];
    if (typeof value === 'string') (options as Record<string, unknown>)[key] = resolve(dir, value);
  }
  return { file, options, dir };
}
