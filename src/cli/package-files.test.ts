// What `npm pack` ships: only what a user runs. The maintainers' tools (tools/: zoo, bench, mutation),
// the broken clients and the project's own tests stay in the repository.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npm pack ships no dev tools, fixtures or tests', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  expect(files).toContain('src/index.ts');
  expect(files).toContain('bin/bits-conformance.js');
  expect(files).toContain('docs/spec.md'); // the normative text the README cites, beside the reports it judged
  const dev = files.filter((f) => /^(tools|fixtures|reports)\//.test(f) || /\.test\.ts$|test-support\.ts$|^stryker|vitest\.mutation/.test(f));
  expect(dev).toEqual([]);
});
