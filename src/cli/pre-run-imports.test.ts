// Before vitest starts, the CLI process checks the options, counts the selection and loads the client.
// The modules it loads for that must not pull in msw or vitest's test runtime: the CLI has no use for
// either, and loading them held back the start of every run by about 0.4 s. Read from the static
// imports (a type-only import loads nothing), from the modules the CLI loads before it starts vitest.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../', import.meta.url));
/** main.ts, the config file's reader, and what run.ts imports by name before vitest starts (selectedCount, casesOf, runCases). */
const BEFORE_VITEST = ['cli/main.ts', 'cli/config.ts', 'cli/run.ts', 'cli/run-cases.ts', 'harness/cases.ts', 'harness/selection.ts', 'harness/suite-files.ts'];
/** vitest/node is the API the CLI runs the suites with; bare `vitest` is the test runtime (chai, snapshots). */
const NOT_BEFORE_VITEST = /^(msw|@mswjs\/|graphql$|vitest$)/;

/** The value imports of a module: `import type` and `export type` load nothing at run time. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  return source.statements.flatMap((s) => {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) return [(s.moduleSpecifier as ts.StringLiteral).text];
    if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) return [(s.moduleSpecifier as ts.StringLiteral).text];
    return [];
  });
}

/** Each package the graph reaches, with the chain of modules that reaches it. */
function packagesReached(entries: string[]): Map<string, string> {
  const via = new Map<string, string>(entries.map((e) => [join(SRC, e), e]));
  const queue = [...via.keys()];
  const packages = new Map<string, string>();
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const spec of valueImports(file)) {
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, via.get(file)!);
        continue;
      }
      const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.endsWith('.ts') || !existsSync(target) || via.has(target)) continue;
      via.set(target, `${via.get(file)} -> ${relative(SRC, target)}`);
      queue.push(target);
    }
  }
  return packages;
}

test('the modules the CLI loads before vitest starts import neither msw nor the vitest test runtime', () => {
  const reached = packagesReached(BEFORE_VITEST);
  expect(reached.has('ajv/dist/2020.js')).toBe(true); // the walk reaches the rule table's checks
  const forbidden = [...reached].filter(([name]) => NOT_BEFORE_VITEST.test(name)).map(([name, chain]) => `${name} via ${chain}`);
  expect(forbidden).toEqual([]);
});

test('the walk finds msw where a module imports it', () => {
  expect(packagesReached(['server/index.ts']).get('msw')).toMatch(/^server\/index\.ts -> server\//);
  expect(packagesReached(['harness/suite.ts']).has('vitest')).toBe(true);
});
