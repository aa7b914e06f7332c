// The one canonical JSON of the project (RFC 8785, the JSON Canonicalization Scheme: keys sorted by
// UTF-16 code units, no whitespace, numbers as ECMAScript writes them). It names the rule table a
// report used (rulesDigest) and is what a report's digest is taken over, so both come from here.
import canonicalizeModule from 'canonicalize';

// A CommonJS module whose declaration file says `export default`: under NodeNext the default import is
// module.exports, the function itself.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** RFC 8785 canonical JSON of a JSON value; a property whose value is undefined is left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonical JSON: the value is not JSON (undefined, a function or a symbol)');
  return text;
}
