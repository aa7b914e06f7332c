#!/usr/bin/env node
// The bits-conformance command (package.json "bin"). The package ships its TypeScript sources and runs
// them through tsx, a dependency, so there is no build step: not here, not for the user. tsx's loader is
// registered for both module systems because a user's client.ts in a package without "type": "module"
// is loaded as CommonJS.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`bits-conformance: Node.js >= 20.19 is needed, this is ${process.version}`);
  process.exit(2);
}

// `run` (the default command) drives vitest in this process: its node API is loaded before tsx's loader
// is registered, so that none of its modules travel through the loader's thread (that cost about 130 MB
// of memory and a second of start-up).
const first = process.argv[2];
if (first === undefined || first === 'run' || (first.startsWith('-') && !['--version', '-v', '--help', '-h'].includes(first))) await import('vitest/node');

const { register } = await import('tsx/esm/api');
const { register: registerCommonJs } = await import('tsx/cjs/api');
register();
registerCommonJs();

const { cli } = await import('../src/cli/main.ts');
process.exitCode = await cli(process.argv.slice(2));
