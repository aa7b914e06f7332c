// One configured ajv for every JSON Schema in the project (2020-12 dialect, formats on).
// Under NodeNext the 2020 build is a CommonJS default export: see the architecture notes.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export function createAjv(): Ajv2020 {
  // No pass over the generated code (code.optimize: it only simplifies that code, never what it
  // accepts): the report schema compiles in about 0.25 s instead of 1.1 s, once in every run's report,
  // and validating a whole 2,038-case report takes the same 0.2 s either way.
  // No check of each schema against the 2020-12 meta-schema when it compiles (validateSchema): the
  // schemas are the project's own files, checked against it in ajv.test.ts, and the check compiled the
  // meta-schema in every process that uses a schema, about 0.1 s of each run's start and each worker's.
  // Strict mode still refuses an unknown keyword or type.
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateSchema: false, code: { optimize: false } });
  addFormats(ajv);
  return ajv;
}

/** Errors named in a message; the rest are counted, so one bad field repeated in every case stays one line. */
const ERRORS_NAMED = 5;

/**
 * `path message` per error, in the form the CLI prints (`/codes/0 must match pattern ...`), the first five
 * named. The deepest paths come first: under a oneOf, the branch that matched furthest says what is wrong.
 */
export function formatErrors(errors: ErrorObject[] | null | undefined): string {
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length;
  const all = [...(errors ?? [])].sort((a, b) => depth(b) - depth(a));
  const named = all.slice(0, ERRORS_NAMED).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
  return all.length > ERRORS_NAMED ? `${named}; and ${all.length - ERRORS_NAMED} more` : named;
}

/** An assertion on a schema; `prepare()` compiles the schema ahead of the first use (a large one takes a while). */
export type SchemaAssert<T> = ((data: unknown) => T) & { prepare(): void };

/**
 * Returns an assertion that throws one readable line on failure. The schema compiles on first use (or
 * at `prepare()`), so a schema problem surfaces where the caller reports errors, not at import.
 */
export function compileAssert<T>(schema: object, what: string): SchemaAssert<T> {
  let validate: ValidateFunction | undefined;
  const compiled = (): ValidateFunction => (validate ??= createAjv().compile(schema));
  const assert = (data: unknown): T => {
    const check = compiled();
    if (!check(data)) throw new SchemaError(`${what}: ${formatErrors(check.errors)}`, check.errors ?? []);
    return data as T;
  };
  return Object.assign(assert, { prepare: () => void compiled() });
}

export class SchemaError extends Error {
  constructor(message: string, readonly errors: ErrorObject[]) {
    super(message);
    this.name = 'SchemaError';
  }
}
