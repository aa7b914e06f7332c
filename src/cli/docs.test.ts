// The documents show commands; these hold them to the command line as it is: every bits-conformance
// command in a code block of README.md and docs/, and in the CI examples, must parse (options, values,
// selections), and the example workflows must be valid YAML.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkCommandLine } from './main.js';
import { ADAPTER_TEMPLATE } from './init.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Splits a shell command line: single and double quotes, no expansion. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** `npx bits-conformance ...` or `npm start -- ...` in a line of shell: the arguments, CI variables filled in. */
function commandsIn(text: string): string[][] {
  const found: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/\s#\s.*$/, '') // a trailing comment
      .replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, '1')
      .replace(/\$CI_NODE_INDEX/g, '1')
      .replace(/\$CI_NODE_TOTAL/g, '3');
    const npx = /(?:^|\s)npx bits-conformance(?:\s+(.*))?$/.exec(line);
    const start = /(?:^|\s)npm start(?: --(?:\s+(.*))?)?$/.exec(line);
    if (npx) found.push(shellWords(npx[1] ?? ''));
    else if (start) found.push(['run', ...shellWords(start[1] ?? '')]);
  }
  return found;
}

function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:sh|bash|yaml)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Every string in a parsed YAML document (run: and script: lines, folded or not). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value.replace(/\n(?=\S)/g, ' ')];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const examples = [
  ...readdirSync(join(ROOT, 'examples/github-actions')).map((f) => `examples/github-actions/${f}`),
  'examples/gitlab-ci.yml',
];

describe('commands in the documents', () => {
  test.for(['README.md', 'docs/process-protocol.md'])('%s: every command parses', (file) => {
    const commands = codeBlocks(readFileSync(join(ROOT, file), 'utf8')).flatMap(commandsIn);
    expect(commands.length).toBeGreaterThan(0);
    for (const argv of commands) expect(() => checkCommandLine(argv), argv.join(' ')).not.toThrow();
  });

  test.for(examples)('%s: valid YAML, and every command parses', (file) => {
    const doc = parseYaml(readFileSync(join(ROOT, file), 'utf8')) as unknown;
    const commands = strings(doc).flatMap(commandsIn);
    expect(commands.length).toBeGreaterThan(0);
    for (const argv of commands) expect(() => checkCommandLine(argv), argv.join(' ')).not.toThrow();
  });

  test('the checker itself catches a wrong command', () => {
    expect(() => checkCommandLine(['run', '--shards', '1/2'])).toThrow("Unknown option '--shards'");
    expect(() => checkCommandLine(['run', '--codes', '700'])).toThrow('--codes: 700 is outside');
    expect(() => checkCommandLine(['mrege', 'a.json'])).toThrow("unknown command 'mrege'");
    expect(checkCommandLine(['merge', 'a.json', 'b.json', '--out', 'r'])).toBe('merge');
    expect(commandsIn('  npm start -- --client x.ts --case app/404/mirror/upload   # replay')).toEqual([['run', '--client', 'x.ts', '--case', 'app/404/mirror/upload']]);
  });
});

describe('README.md is for users', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  test('its adapter example is exactly what init writes', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toContain(ADAPTER_TEMPLATE);
  });

  test('it cites the normative text inside the package, which npm pack ships (package-files.test.ts)', () => {
    expect(readme).toContain('[`docs/spec.md`](docs/spec.md)');
    expect(readme).toContain('node_modules/bits-conformance/docs/spec.md');
    expect(readFileSync(join(ROOT, 'docs/spec.md'), 'utf8')).toMatch(/^# What a BITS upload client must do/);
  });

  test('maintainer matter lives in CONTRIBUTING.md; the speed table is left to the benchmark', () => {
    for (const maintainer of ['npm run zoo', 'npm run mutation', 'npm run fuzz', '## Layout', 'tools/zoo']) {
      expect(readme, maintainer).not.toContain(maintainer);
      expect(readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8'), maintainer).toContain(maintainer);
    }
    expect(readme).toMatch(/<!-- bench:begin [^\n]*-->\n[\s\S]*<!-- bench:end -->/);
  });
});
