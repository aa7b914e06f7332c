// Options of `run` from flags, the config file and the API: one checker, errors that name where a value
// came from; the case selection they build, and shards that split it exactly.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import schema from './config.schema.json' with { type: 'json' };
import { checkConfig, findConfig, loadConfig } from './config.js';
import { COMMANDS, runFlags } from './main.js';
import { checkOptions, didYouMean, flagName, fromApi, fromConfig, fromFlags, OPTION_KEYS, parseCodeRange, selectionFlags, type ConformanceOptions } from './options.js';
import { configSchema, FORMAT_NAMES, RECORDED_KEYS } from './option-table.js';
import { REPORT_FORMATS } from '../report/publish.js';
import reportSchema from '../report/conformance.schema.json' with { type: 'json' };
import { allCases, VIRTUAL_PROFILE } from '../harness/cases.js';
import { applySelection, matchesSelection, shardOf } from '../harness/selection.js';

describe('checkOptions', () => {
  test('builds the selection: ranges, rule IDs, relay forms, job types, one case, a shard', () => {
    const { selection, formats } = checkOptions(
      { codes: ['400-499', '503', 201], rules: ['APP-4XX', 'TRANSIENT-RETRY'], relay: ['mirror'], jobType: ['upload'], case: 'app/404/mirror/upload', shard: '2/3', format: ['json', 'md', 'json'] },
      fromFlags,
    );
    expect(selection).toEqual({
      codes: [[400, 499], [503, 503], [201, 201]],
      rules: ['APP-4XX', 'TRANSIENT-RETRY'],
      relays: ['mirror'],
      jobTypes: ['upload'],
      cases: ['app/404/mirror/upload'],
      shard: { index: 2, count: 3 },
    });
    expect(formats).toEqual(['json', 'md']);
    expect(checkOptions({}, fromFlags).selection).toEqual({});
  });

  test.for([
    [{ codes: ['600'] }, fromFlags, '--codes: 600 is outside the application statuses 100-599'],
    [{ codes: ['499-400'] }, fromFlags, '--codes: the range 499-400 runs backwards'],
    [{ codes: ['4xx'] }, fromConfig, "config: /codes/0: '4xx' is not a status or a range of statuses such as 404 or 400-499"],
    [{ rules: ['APP-4XX', 'APP-4XXX'] }, fromConfig, "config: /rules/1: 'APP-4XXX' is not a rule ID (did you mean APP-4XX?)"],
    [{ relay: ['mirorr'] as never }, fromFlags, "--relay: 'mirorr' is not a relay form; use mirror, alt-header (did you mean mirror?)"],
    [{ jobType: ['upload_reply'] as never }, fromApi, "options.jobType[0]: 'upload_reply' is not a job type; use upload, upload-reply (did you mean upload-reply?)"],
    [{ shard: '3/2' }, fromFlags, "--shard: '3/2' is not a shard i/n with 1 <= i <= n (e.g. 2/4)"],
    [{ shard: '0/2' }, fromFlags, "--shard: '0/2' is not a shard i/n"],
    [{ format: ['json', 'pdf'] as never }, fromFlags, "--format takes a comma-separated list of json, junit, html, md; got 'json,pdf'"],
    [{ format: ['pdf'] as never }, fromApi, "options.format[0]: 'pdf' is not a report format; use json, junit, html, md"],
    [{ client: 'a.ts', clientCmd: 'python3 c.py' }, fromFlags, 'give --client or --client-cmd, not both'],
    [{ timeoutMultiplier: 0 }, fromApi, 'options.timeoutMultiplier must be a number above 0 and at most 100'],
    [{ codes: [] }, fromConfig, 'config: /codes: give at least one value'],
  ] as [ConformanceOptions, typeof fromFlags, string][])('%j: %s', ([options, where, message]) => {
    expect(() => checkOptions(options, where)).toThrow(message);
  });

  test('flags are split at commas and checked for form', () => {
    expect(runFlags({ codes: '400-499, 503', 'job-type': 'upload', strict: true, 'timeout-multiplier': '2.5', 'retry-delay-ms': '300' })).toEqual({
      codes: ['400-499', '503'], jobType: ['upload'], strict: true, timeoutMultiplier: 2.5, retryDelayMs: 300,
    });
    expect(() => runFlags({ 'timeout-multiplier': 'x2' })).toThrow("--timeout-multiplier must be a number such as 2 or 1.5, got 'x2'");
    expect(() => runFlags({ 'retry-delay-ms': '2.5' })).toThrow("--retry-delay-ms must be a whole number, got '2.5'");
    expect(() => checkOptions(runFlags({ 'retry-delay-ms': '0' }), fromFlags)).toThrow("--retry-delay-ms must be a whole number from 1 to 9999999, got '0'");
  });

  test('parseCodeRange and did-you-mean', () => {
    expect(parseCodeRange(' 404 ', 'x')).toEqual([404, 404]);
    expect(parseCodeRange('100-599', 'x')).toEqual([100, 599]);
    expect(didYouMean('--job-typ', ['--job-type', '--codes'])).toBe(' (did you mean --job-type?)');
    expect(didYouMean('zzzzzz', ['--job-type', '--codes'])).toBe('');
  });

  test('selectionFlags writes the selection back as flags', () => {
    expect(selectionFlags({ codes: [[400, 499], [503, 503]], relays: ['mirror'], shard: { index: 1, count: 2 } })).toEqual(['--codes', '400-499,503', '--relay', 'mirror', '--shard', '1/2']);
    expect(selectionFlags({ shard: { index: 1, count: 2 } }, { withShard: false })).toEqual([]);
  });
});

describe('one option table: the flags, their help, the config schema and the API options come from it', () => {
  test('config.schema.json is the schema the table gives (npm run docs:config writes it)', () => {
    expect(schema).toEqual(configSchema());
  });

  test('every option is a flag of run with a line in its help; --config and --help are the command line\'s own', () => {
    const flags = Object.keys(COMMANDS.run!.options).filter((f) => !['help', 'config'].includes(f)).sort();
    expect(OPTION_KEYS.map(flagName).map((f) => f.slice(2)).sort()).toEqual(flags);
    for (const key of OPTION_KEYS) expect(COMMANDS.run!.usage).toMatch(new RegExp(`^  ${flagName(key)}\\b`, 'm'));
  });

  test('the options the report records are in the report schema, and merge names them', () => {
    const recorded = Object.keys((reportSchema.properties.options as { properties: Record<string, unknown> }).properties).filter((k) => k !== 'selection').sort();
    expect([...RECORDED_KEYS].sort()).toEqual(recorded);
  });

  test('an option the API does not know is refused with a suggestion', () => {
    expect(() => checkOptions({ codez: ['404'] } as ConformanceOptions, fromApi)).toThrow('options.codez is not an option of run (did you mean codes?)');
    expect(() => checkOptions({ strict: 'yes' } as unknown as ConformanceOptions, fromApi)).toThrow('options.strict must be true or false');
  });

  test('--retry-delay-ms is for a client in another process: refused for an in-process one, once all options are known', () => {
    expect(() => checkOptions({ retryDelayMs: 300 }, fromFlags, { whole: true })).toThrow('--retry-delay-ms is for a client in another process (--client-cmd)');
    expect(() => checkOptions({ retryDelayMs: 300, clientCmd: 'python3 c.py' }, fromFlags, { whole: true })).not.toThrow();
    expect(() => checkOptions({ retryDelayMs: 300 }, fromFlags)).not.toThrow(); // the flags alone, before the config file's clientCmd joins them
  });

  test('--workers is for an in-process client: refused with --client-cmd, and only from 1 to 64', () => {
    expect(() => checkOptions({ workers: 2, clientCmd: 'python3 c.py' }, fromFlags, { whole: true })).toThrow('--workers is for an in-process client; a client in another process (--client-cmd)');
    expect(() => checkOptions({ workers: 2 }, fromFlags, { whole: true })).not.toThrow();
    expect(() => checkOptions(runFlags({ workers: '0' }), fromFlags)).toThrow("--workers must be a whole number from 1 to 64, got '0'");
    expect(() => checkOptions({ workers: 65 }, fromConfig, { whole: true })).toThrow();
  });
});

describe('the config file', () => {
  test.for([
    [{ codes: ['4xx'] }, 'config: /codes/0 must match pattern "^[1-5][0-9]{2}(-[1-5][0-9]{2})?$" in x.json'],
    [{ codes: [650] }, 'config: /codes/0 must be <= 599 in x.json'],
    [{ colour: 'red', codes: 'x' }, 'config: /colour is not an option of run in x.json (and 1 more problem)'],
    [{ clientcmd: 'python3 c.py' }, 'config: /clientcmd is not an option of run (did you mean clientCmd?) in x.json'],
    [{ relay: ['both'] }, 'config: /relay/0 must be one of mirror, alt-header in x.json'],
    [{ strict: 'yes' }, 'config: /strict must be boolean in x.json'],
    [{ shard: '1 of 2' }, 'config: /shard must match pattern'],
    [[], 'config: / must be object in x.json'],
  ] as [unknown, string][])('%j: %s', ([data, message]) => {
    expect(() => checkConfig(data, 'x.json')).toThrow(message);
  });

  test('paths are relative to the file; $schema is allowed; two config files are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-config-'));
    const file = join(dir, 'bits-conformance.config.json');
    await writeFile(file, JSON.stringify({ $schema: './node_modules/bits-conformance/src/cli/config.schema.json', client: './client.ts', out: 'out', codes: ['404', 503] }));
    expect(findConfig(dir)).toBe(file);
    const loaded = await loadConfig(file);
    expect(loaded.options).toEqual({ client: join(dir, 'client.ts'), out: join(dir, 'out'), codes: ['404', 503] });
    expect(checkOptions(loaded.options, fromConfig).selection.codes).toEqual([[404, 404], [503, 503]]);
    await writeFile(join(dir, 'bits-conformance.config.ts'), 'export default {};\n');
    expect(() => findConfig(dir)).toThrow('two config files in');
    expect(() => findConfig(dir, 'nope.json')).toThrow('config file not found: ');
    await writeFile(file, '{"codes": [');
    await expect(loadConfig(file)).rejects.toThrow(/^config .*bits-conformance.config.json is not valid JSON: /);
  });

  test('a file that starts with a UTF-8 byte-order mark loads; invisible characters in a message are shown escaped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-config-'));
    const file = join(dir, 'bits-conformance.config.json');
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ codes: ['404'], strict: true }))]));
    expect((await loadConfig(file)).options).toEqual({ codes: ['404'], strict: true });
    // A mark in the middle of the file, a zero-width space in a key, a no-break space in a value.
    await writeFile(file, '{"codes": [\uFEFF"404"]}');
    await expect(loadConfig(file)).rejects.toThrow(/is not valid JSON: Unexpected token '\\u\{FEFF\}'/);
    await writeFile(file, JSON.stringify({ 'str\u200Bict': true }));
    await expect(loadConfig(file)).rejects.toThrow('config: /str\\u{200B}ict is not an option of run (did you mean strict?) in ');
    await writeFile(file, JSON.stringify({ codes: ['404\u00A0'] }));
    const error = await loadConfig(file).then((loaded) => checkOptions(loaded.options, fromConfig), (e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/^config: \/codes\/0 must match pattern .*/);
    expect(() => checkOptions({ codes: ['4\u200B04'] }, fromConfig)).toThrow("config: /codes/0: '4\\u{200B}04' is not a status");
    for (const message of [(error as Error).message]) expect(message).not.toMatch(/[\u00A0\u200B\uFEFF]/);
  });

  test('a .ts config is imported; its default export is checked the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bits-config-'));
    const file = join(dir, 'bits-conformance.config.ts');
    await writeFile(file, "export default { codes: ['404'], relay: ['mirror'], strict: true };\n");
    expect((await loadConfig(file)).options).toEqual({ codes: ['404'], relay: ['mirror'], strict: true });
    await writeFile(join(dir, 'bad.config.ts'), "export default { codes: ['4xx'] };\n");
    await expect(loadConfig(join(dir, 'bad.config.ts'))).rejects.toThrow('config: /codes/0 must match pattern');
  });
});

describe('case selection and shards', () => {
  const cases = allCases(VIRTUAL_PROFILE);

  test('fields combine (AND), values within a field are alternatives (OR)', () => {
    const picked = applySelection(cases, { codes: [[403, 404]], relays: ['mirror'], jobTypes: ['upload'] });
    expect(picked.map((c) => c.id)).toEqual(expect.arrayContaining(['app/403/mirror/upload', 'app/404/mirror/upload']));
    expect(picked.every((c) => c.relay === 'mirror' && c.jobType === 'upload' && c.status >= 403 && c.status <= 404)).toBe(true);
    const byRule = applySelection(cases, { rules: ['APP-403-NOREPOST'] });
    expect(byRule.length).toBeGreaterThan(0);
    expect(byRule.every((c) => c.status === 403)).toBe(true);
  });

  test('the shards of any selection are disjoint and their union is the unsharded selection', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 599 }), fc.integer({ min: 0, max: 120 }), (count, from, width) => {
        const selection = { codes: [[from, Math.min(599, from + width)]] as [number, number][] };
        const whole = applySelection(cases, selection).map((c) => c.id);
        const parts = Array.from({ length: count }, (_, i) => applySelection(cases, { ...selection, shard: { index: i + 1, count } }).map((c) => c.id));
        expect(parts.flat().sort()).toEqual([...whole].sort());
        expect(new Set(parts.flat()).size).toBe(whole.length);
      }),
      { numRuns: 30 },
    );
  });

  test('a case belongs to the same shard whatever else is selected, and shards are about even', () => {
    expect(shardOf('app/404/mirror/upload', 4)).toBe(shardOf('app/404/mirror/upload', 4));
    const sizes = [1, 2, 3, 4].map((index) => cases.filter((c) => matchesSelection(c, { shard: { index, count: 4 } })).length);
    for (const size of sizes) expect(Math.abs(size - cases.length / 4)).toBeLessThan(cases.length * 0.05);
  });
});

test('the report formats the options accept are the ones the report writes', () => {
  expect(FORMAT_NAMES).toEqual(REPORT_FORMATS);
});
