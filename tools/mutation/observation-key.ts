// The key the recorded observations carry (observations.ts): a hash of every file that makes an
// observation. Apart from observations.ts because it reads the scenario modules' syntax tree with the
// TypeScript compiler, whose load (seconds) the replay, run once per mutant, must not pay.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { scenarioModules, withoutJudgeCode } from './judge-ranges.mjs';
import { ROOT } from './observations.js';

const KEYED_DIRS = ['src', 'fixtures', join('examples', 'python')];
const KEYED_FILES = ['tools/zoo/zoo.ts', 'tools/mutation/observations.ts', 'tools/mutation/observation-key.ts', 'tools/mutation/judge-ranges.mjs', 'package-lock.json'];
/** What never makes an observation: the judge, and the CLI and report around the suite. */
const UNKEYED = [/^src\/harness\/judge\//, /^src\/cli\//, /^src\/report\//, /\.test\.ts$/];

function keyedFiles(): string[] {
  const inDirs = KEYED_DIRS.flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(ROOT, join(e.parentPath, e.name))));
  return [...inDirs.filter((f) => !UNKEYED.some((re) => re.test(f.split('\\').join('/')))), ...KEYED_FILES].sort();
}

/**
 * A TypeScript module as it runs: comments and types make no observation, so a comment (such as the
 * `// Stryker disable` that marks an equivalent mutant) or a type does not make the records stale.
 */
function behaviourOf(file: string, text: string): string {
  if (!/\.(ts|mts)$/.test(file)) return text;
  return ts.transpileModule(text, { fileName: file, compilerOptions: { removeComments: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

/** The key the records must carry: a hash of everything that makes an observation (see the top of this file). */
export function observationKey(): string {
  const hash = createHash('sha256');
  const scenarios = new Set(scenarioModules(ROOT));
  for (const file of keyedFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    hash.update(`${file}\n${behaviourOf(file, scenarios.has(file) ? withoutJudgeCode(file, text) : text)}\n`);
  }
  hash.update(`node ${process.version}\n${execFileSync('python3', ['--version'], { encoding: 'utf8' })}`);
  return hash.digest('hex');
}

