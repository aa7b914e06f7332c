#!/usr/bin/env node
// The bits-conformance command (package.json "bin"). The package ships its TypeScript sources and runs
// them through tsx, a dependency, so there is no build step: not here, not for the user. tsx's loader is
// registered for both module systems because a user's client.ts in a package without "type": "module"
// is loaded as CommonJS.
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`bits-conformance: Node.js >= 20.19 is needed, this is ${process.version}`);
  process.exit(2);
}

// `run` (the default command) drives vitest in this process: its node API is loaded before tsx's loader
// is registered, so that none of its modules travel through the loader's thread (that cost about 130 MB
// of memory and a second of start-up).
const first = process.argv[2];
const drivesVitest = first === undefined || first === 'run' || (first.startsWith('-') && !['--version', '-v', '--help', '-h'].includes(first));

// A checkout installed with `npm i -D ../bits-conformance` is linked, not installed: npm leaves its own
// dependencies to it, so a checkout that never ran `npm ci` has no tsx. Say what to do.
let tsx;
try {
  if (drivesVitest) await import('vitest/node');
  tsx = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  console.error(`bits-conformance: its dependencies are not installed in ${root} (no tsx there): run \`npm ci\` in ${root}, or install it with its dependencies: \`npm i -D --install-links ${root}\` (or a tarball from \`npm pack\`)`);
  process.exit(2);
}
const [{ register }, { register: registerCommonJs }] = tsx;
register();
registerCommonJs();

const { cli } = await import('../src/cli/main.ts');
process.exitCode = await cli(process.argv.slice(2));
