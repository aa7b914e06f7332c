// The one client loader, in a vitest worker as the suites run it: a CommonJS adapter that requires the
// package's TypeScript client, ES modules, and modules that do not load, each said in one line.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isCommonJs, loadClientModule } from './client-module.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A project of the given package type with this package installed as a link, as `npm i -D <checkout>` does. */
async function project(type: 'commonjs' | 'module'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bits-loader-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', type }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(ROOT, join(dir, 'node_modules', 'bits-conformance'));
  return dir;
}

const JOB_BODY = `return { resume: () => job.resume(), suspend: () => job.suspend(), cancel: () => job.cancel(), complete: () => job.complete(), getState: () => job.getState(), getError: () => job.getError() };`;

describe('loadClientModule', () => {
  test('a CommonJS .js adapter that requires bits-conformance/client (TypeScript sources) loads and makes jobs', async () => {
    const dir = await project('commonjs');
    await writeFile(join(dir, 'client.js'), `const { createUploadJob } = require('bits-conformance/client');
module.exports = { name: 'cjs adapter', version: '1.0.0', createJob(o) { const job = createUploadJob(o); ${JOB_BODY} } };
`);
    expect(isCommonJs(join(dir, 'client.js'))).toBe(true);
    const client = await loadClientModule(join(dir, 'client.js'));
    expect(client.name).toBe('cjs adapter');
    const job = await client.createJob({ url: 'http://127.0.0.1:9/upload', payload: new Uint8Array(8), type: 'upload', minimumRetryDelayMs: 1000, noProgressTimeoutMs: 10_000 });
    expect(job.getState()).toBe('SUSPENDED');
  });

  test('a TypeScript adapter in a CommonJS package and an ES module adapter load alike', async () => {
    const cjs = await project('commonjs');
    await writeFile(join(cjs, 'client.ts'), `import { createUploadJob } from 'bits-conformance/client';
export default { name: 'ts in cjs', version: '1.0.0', createJob(o: Parameters<typeof createUploadJob>[0]) { const job = createUploadJob(o); ${JOB_BODY} } };
`);
    expect((await loadClientModule(join(cjs, 'client.ts'))).name).toBe('ts in cjs');
    const esm = await project('module');
    await writeFile(join(esm, 'client.js'), `import { createUploadJob } from 'bits-conformance/client';
export default { name: 'esm', version: '1.0.0', createJob(o) { const job = createUploadJob(o); ${JOB_BODY} } };
`);
    expect(isCommonJs(join(esm, 'client.js'))).toBe(false);
    expect((await loadClientModule(join(esm, 'client.js'))).name).toBe('esm');
  });

  test('a syntax error names the file, the line and the column (TypeScript and JavaScript)', async () => {
    const dir = await project('module');
    await writeFile(join(dir, 'bad.ts'), 'export default {\n  name: "x",\n  createJob() { return {; }\n};\n');
    await writeFile(join(dir, 'bad.mjs'), 'export default {\n  name: "x",\n  createJob() { return {; }\n};\n');
    await expect(loadClientModule(join(dir, 'bad.ts'), './bad.ts')).rejects.toThrow(`cannot load client module ./bad.ts: ${join(dir, 'bad.ts')}:3:25: `);
    await expect(loadClientModule(join(dir, 'bad.mjs'), './bad.mjs')).rejects.toThrow(`cannot load client module ./bad.mjs: ${join(dir, 'bad.mjs')}:3:25: Unexpected token ';'`);
  });

  test('a missing module names the path tried; one that breaks the contract names the member', async () => {
    const dir = await project('module');
    await expect(loadClientModule(join(dir, 'nope.ts'), './nope.ts')).rejects.toThrow(`client module not found: ./nope.ts (looked for ${join(dir, 'nope.ts')})`);
    await writeFile(join(dir, 'jobless.js'), 'export default { name: "x", version: "1" };\n');
    await expect(loadClientModule(join(dir, 'jobless.js'), './jobless.js')).rejects.toThrow('client module ./jobless.js: default export lacks `createJob(options)` (a function)');
  });
});
