// The one client loader: the CLI's check before a run, the suites in vitest's workers and the zoo's
// tools all load a client module here, so a module that passes the check loads in the suites too. A
// module Node treats as CommonJS (`.cjs`, or `.js`/`.ts` in a package without "type": "module") is
// loaded through tsx's CommonJS loader in both places, so its `require('bits-conformance/client')`
// (TypeScript sources) works there as in the CLI. A module that does not load says why in one line,
// with the file, line and column of a syntax error.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkClient, type ClientUnderTest } from './contract.js';

/** A client module that is missing, does not load, or breaks the contract: one line, exit 2. */
export class ClientLoadError extends Error {}

/**
 * A TypeScript file in a package without "type": "module" is compiled as CommonJS, and import() then
 * gives module.exports as the default: unwrap its own `default`.
 */
export function unwrapCommonJs(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { __esModule?: unknown }).__esModule && 'default' in value) {
    return (value as { default: unknown }).default;
  }
  return value;
}

/** The "type" of the package.json nearest to `file`: Node's rule for what `.js` (and tsx's for `.ts`) means. */
function packageType(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function isCommonJs(file: string): boolean {
  const ext = extname(file);
  if (ext === '.cjs' || ext === '.cts') return true;
  if (ext !== '.js' && ext !== '.ts') return false;
  return packageType(file) !== 'module';
}

let commonJs: { require: (id: string, fromFile: string) => unknown } | undefined;

/** tsx's CommonJS loader, scoped to what it loads (a namespace): the rest of the process is untouched. */
async function requireCommonJs(file: string): Promise<unknown> {
  if (!commonJs) {
    const { register } = await import('tsx/cjs/api');
    commonJs = register({ namespace: 'bits-conformance-client' });
  }
  return { default: commonJs.require(file, import.meta.url) };
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * `file:line:column: message` from a transform error: esbuild's (tsx: `file:3:24: ERROR: message`,
 * columns from 0) or oxc's (vitest's workers: `[PARSE_ERROR] message` and `[ file:3:25 ]`, columns
 * from 1, the path relative to the folder vitest runs in).
 */
function transformLocation(error: Error): string | undefined {
  const text = error.message.replace(ANSI, '');
  const esbuild = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(text);
  if (esbuild) return `${esbuild[1]}:${esbuild[2]}:${Number(esbuild[3]) + 1}: ${esbuild[4]}`;
  const oxc = /\[[A-Z_]+\] *(.+)\n[\s\S]*?\[ *(\S+?):(\d+):(\d+) *\]/.exec(text);
  if (oxc) {
    const where = resolve(oxc[2]!);
    return `${existsSync(where) ? where : oxc[2]}:${oxc[3]}:${oxc[4]}: ${oxc[1]!.trim()}`;
  }
  return undefined;
}

/**
 * Where a JavaScript syntax error is: Node's SyntaxError from import() carries no position, so the file
 * is checked once more with `node --check`, which prints `file:line`, the line and a caret.
 */
function javaScriptLocation(file: string, message: string | undefined): string | undefined {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const lines = (check.stderr ?? '').split('\n');
  const at = lines.findIndex((l) => /:\d+$/.test(l) && l.includes(file));
  if (at < 0) return undefined;
  const caret = lines[at + 2]?.indexOf('^') ?? -1;
  const said = message ?? lines.find((l) => l.startsWith('SyntaxError: '))?.slice('SyntaxError: '.length) ?? 'invalid syntax';
  return `${lines[at]}${caret >= 0 ? `:${caret + 1}` : ''}: ${said}`;
}

/** Why a module did not load, in one line; a syntax error with its file, line and column. */
export function describeLoadError(error: unknown, file: string): string {
  if (!(error instanceof Error)) return String(error);
  // vite (in vitest's workers) says only that the syntax is invalid: Node says where.
  const syntax = error.name === 'SyntaxError' || error.message.includes('invalid JS syntax');
  const located = transformLocation(error) ?? (syntax ? javaScriptLocation(file, error.name === 'SyntaxError' ? error.message.split('\n')[0]! : undefined) : undefined);
  return located ?? error.message.split('\n')[0]!;
}

/** Imports a module by path (absolute, or relative to the current folder): its namespace, or one line why not. */
export async function importClientModule(modulePath: string, given = modulePath): Promise<Record<string, unknown>> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(modulePath);
  if (!existsSync(file)) throw new ClientLoadError(`client module not found: ${given} (looked for ${file})`);
  try {
    return (isCommonJs(file) ? await requireCommonJs(file) : await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ClientLoadError(`cannot load client module ${given}: ${describeLoadError(error, file)}`);
  }
}

/** Imports a client module and checks it against the contract; errors name the path or the missing member. */
export async function loadClientModule(modulePath: string, given = modulePath): Promise<ClientUnderTest> {
  const mod = await importClientModule(modulePath, given);
  const checked = checkClient(unwrapCommonJs(mod.default));
  if ('problem' in checked) throw new ClientLoadError(`client module ${given}: ${checked.problem}`);
  return checked.client;
}
