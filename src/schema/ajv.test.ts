// The one line a schema error becomes: every CLI error about a bad config, report or case file is one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, test } from 'vitest';
import { compileAssert, SchemaError } from './ajv.js';

const assertCodes = compileAssert<{ codes: string[] }>(
  { type: 'object', properties: { codes: { type: 'array', items: { type: 'string', pattern: '^0x[0-9a-f]{8}$' } } } },
  'codes file',
);

test('names each error by its path', () => {
  expect(() => assertCodes({ codes: ['0x80190193', 'x'] })).toThrow(SchemaError);
  expect(() => assertCodes({ codes: ['0x80190193', 'x'] })).toThrow(/^codes file: \/codes\/1 must match pattern "\^0x\[0-9a-f\]\{8\}\$"$/);
});

test('names the first five errors and counts the rest: one bad field in every case of a report stays one short line', () => {
  const message = (() => {
    try {
      assertCodes({ codes: Array.from({ length: 2038 }, (_, i) => String(i)) });
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  })();
  expect(message.match(/must match pattern/g)).toHaveLength(5);
  expect(message).toMatch(/^codes file: \/codes\/0 must match pattern .*\/codes\/4 must match pattern "\^0x\[0-9a-f\]\{8\}\$"; and 2033 more$/);
});

test('prepare() compiles the schema at once; a schema that does not compile says so there, and again at first use', () => {
  const broken = compileAssert({ type: 'object', properties: { codes: { type: 'no-such-type' } } }, 'broken');
  expect(() => broken.prepare()).toThrow(/type/);
  expect(() => broken({ codes: [] })).toThrow(/type/);
  const prepared = compileAssert<{ codes: string[] }>({ type: 'object', properties: { codes: { type: 'array' } }, required: ['codes'] }, 'codes file');
  prepared.prepare();
  expect(prepared({ codes: [] })).toEqual({ codes: [] });
  expect(() => prepared({})).toThrow(/^codes file: \/ must have required property 'codes'$/);
});

test('every schema of the project is valid against the 2020-12 meta-schema, which createAjv does not check at run time', () => {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.schema.json'));
  expect(files.length).toBeGreaterThanOrEqual(8);
  const meta = new Ajv2020({ strict: true });
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(root, file), 'utf8')) as object;
    expect(meta.validateSchema(schema), `${file}: ${meta.errorsText(meta.errors)}`).toBe(true);
  }
  expect(meta.validateSchema({ type: 'object', properties: { codes: { minItems: 'two' } } })).toBe(false);
});
