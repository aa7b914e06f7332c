// Tamper evidence: the digest over the canonical form, the Ed25519 signature, and a verify that
// fails on any change to the file, down to one byte.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { reportJson } from './report.js';
import { ReportInputError } from './files.js';
import { keyId, reportDigest, sealReport, verifyReportBytes, verifyReportText } from './sign.js';
import { canonicalJson } from '../schema/canonical-json.js';
import { makeRecord, makeReport } from './test-support.js';

const keys = () => generateKeyPairSync('ed25519');
const check = (text: string, key?: Parameters<typeof verifyReportText>[2]) => verifyReportText(text, JSON.parse(text), key);

describe('digest and signature', () => {
  test('canonical JSON sorts keys and drops whitespace, like RFC 8785', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'é\n', 10: 1.5 })).toBe('{"10":1.5,"a":"é\\n","b":[1,{"c":null,"d":true}]}');
    // UTF-16 order, not the integer-first order in which an object lists its keys.
    expect(canonicalJson({ 9: 'nine', 10: 'ten', a: { u: undefined, '\u00e9': 1, z: [undefined] } })).toBe('{"10":"ten","9":"nine","a":{"z":[null],"é":1}}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });

  test('a sealed report is written as its canonical form, serialized once while sealing', () => {
    const sealed = sealReport(makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 200 })]));
    const text = reportJson(sealed);
    expect(text).toBe(`${canonicalJson(sealed)}\n`);
    expect(reportJson(JSON.parse(text))).toBe(text); // and a file read back spells the same
    expect(reportDigest(JSON.parse(text))).toBe(sealed.integrity!.digest);
  });

  test('a report written in the earlier layout (indented by two spaces) still verifies, and an edit of its whitespace does not', () => {
    const signer = keys();
    const sealed = JSON.parse(reportJson(sealReport(makeReport([makeRecord({ status: 404, verdict: 'fail' })]), signer.privateKey))) as object;
    const earlier = `${JSON.stringify(sealed, null, 2)}\n`;
    expect(check(earlier, signer.publicKey)).toMatchObject({ verified: true, problems: [] });
    expect(check(earlier.replace('\n  "', '\n   "'), signer.publicKey).problems).toEqual(['the file is not byte for byte as the suite wrote it (whitespace, key order or escaping changed)']);
  });

  test('the digest ignores key order and its own block, and changes with any value', () => {
    const report = makeReport([makeRecord({ status: 404, verdict: 'fail' })]);
    const sealed = sealReport(report);
    expect(sealed.integrity).toEqual({ canonicalization: 'RFC8785', algorithm: 'sha256', digest: reportDigest(report) });
    expect(reportDigest(sealed)).toBe(reportDigest(report));
    const reordered = Object.fromEntries(Object.entries(report).reverse());
    expect(reportDigest(reordered)).toBe(reportDigest(report));
    expect(reportDigest({ ...report, wallTimeMs: report.wallTimeMs + 1 })).not.toBe(reportDigest(report));
  });

  test('a sealed report verifies; a signed one verifies with the signer key and not with another', () => {
    const signer = keys();
    const sealed = sealReport(makeReport([makeRecord({ verdict: 'pass' })]), signer.privateKey);
    expect(sealed.integrity!.signature).toMatchObject({ algorithm: 'ed25519', signed: 'digest', keyId: keyId(signer.publicKey) });
    const text = reportJson(sealed);
    expect(check(text)).toMatchObject({ verified: true, problems: [] });
    expect(check(text, signer.publicKey)).toMatchObject({ verified: true });
    const other = check(text, keys().publicKey);
    expect(other.verified).toBe(false);
    expect(other.problems.join('\n')).toMatch(/not by the given key/);
    expect(other.problems.join('\n')).toMatch(/does not verify with the given key/);
    expect(check(reportJson(sealReport(makeReport([makeRecord()]))), signer.publicKey).problems).toEqual([expect.stringMatching(/^the report is not signed/)]);
  });

  test('every one-byte edit of a signed report file fails verification', () => {
    const signer = keys();
    const text = reportJson(sealReport(makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 200 })]), signer.privateKey));
    // Edit a byte in values, in keys, in whitespace, in the digest and in the signature.
    // The file is canonical JSON: its only whitespace is the newline at the end.
    const spots = [text.indexOf('"fail"') + 2, text.indexOf('"wallTimeMs"') + 3, text.indexOf('"suite"') + 2, text.length - 1, text.indexOf('"digest":"') + 11, text.indexOf('"value":"') + 11, text.indexOf('"posts":') + 9];
    expect(spots.every((at) => at > 12)).toBe(true);
    for (const at of spots) {
      const byte = text[at]!;
      const swapped = byte === '\n' ? ' ' : /\d/.test(byte) ? String((Number(byte) + 1) % 10) : byte === 'a' ? 'b' : 'a';
      const edited = text.slice(0, at) + swapped + text.slice(at + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(edited);
      } catch {
        continue; // not JSON any more: the CLI refuses it before verifying (exit 2)
      }
      expect(verifyReportText(edited, parsed, signer.publicKey).verified, `edit at ${at} (${JSON.stringify(byte)} -> ${JSON.stringify(swapped)})`).toBe(false);
    }
    expect(check(text, signer.publicKey).verified).toBe(true);
  });

  test('every single-byte change of a small signed report fails verify without --key', () => {
    // A report of no cases: every field the suite writes, and the whole integrity block, in 1,292 bytes.
    // Without --key is the weaker check (the report vouches for its own key); --key adds a comparison.
    const signer = keys();
    const bytes = Buffer.from(reportJson(sealReport(makeReport([]), signer.privateKey)), 'utf8');
    expect(verifyReportBytes(bytes, 'report.json').verified).toBe(true);
    const survivors: string[] = [];
    let edits = 0;
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // most edits break the JSON: the refusal's stack trace is not under test
    try {
      for (let at = 0; at < bytes.length; at++) {
        for (let value = 0; value < 256; value++) {
          if (value === bytes[at]) continue;
          const edited = Buffer.from(bytes);
          edited[at] = value;
          edits++;
          let verified = false;
          try {
            verified = verifyReportBytes(edited, 'report.json').verified;
          } catch (error) {
            if (!(error instanceof ReportInputError)) throw error; // not JSON any more: refused, exit 2
          }
          if (verified) survivors.push(`byte ${at} ${JSON.stringify(String.fromCharCode(bytes[at]!))} -> 0x${value.toString(16)}`);
        }
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    expect(edits).toBe(bytes.length * 255);
    expect(survivors).toEqual([]);
  }, 120_000);

  test('the integrity block is held to its one spelling: key id, padding bits, PEM text, extra fields', () => {
    const signer = keys();
    const sealed = sealReport(makeReport([]), signer.privateKey);
    const signature = sealed.integrity!.signature!;
    const forge = (change: Record<string, unknown>) => {
      const text = reportJson({ ...sealed, integrity: { ...sealed.integrity!, signature: { ...signature, ...change } } });
      return verifyReportText(text, JSON.parse(text));
    };
    const lastBits = (b64: string) => b64.slice(0, -3) + String.fromCharCode(b64.charCodeAt(b64.length - 3) + 1) + '==';
    expect(Buffer.from(lastBits(signature.value), 'base64')).toEqual(Buffer.from(signature.value, 'base64')); // same bytes, other spelling
    expect(forge({ keyId: keyId(keys().publicKey) }).problems.join('\n')).toMatch(/keyId sha256:[0-9a-f]{64} does not name the embedded public key/);
    expect(forge({ value: lastBits(signature.value) }).problems.join('\n')).toMatch(/value is not the canonical base64/);
    expect(forge({ publicKey: signature.publicKey.replace('\n-----END', '\n\n-----END') }).problems.join('\n')).toMatch(/publicKey is not an Ed25519 public key spelled as the suite writes it/);
    expect(forge({ signed: 'report' }).problems.join('\n')).toMatch(/signed is "report", not "digest"/);
    expect(forge({ note: 'x' }).problems.join('\n')).toMatch(/integrity.signature holds a field the suite never writes: "note"/);
    expect(forge({}).verified).toBe(true);
  });

  test('a file that is not UTF-8 as written does not verify', () => {
    const signer = keys();
    const text = reportJson(sealReport(makeReport([]), signer.privateKey));
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(() => verifyReportBytes(bom, 'report.json')).toThrow(/is not valid JSON/);
    const at = text.indexOf('crafted client') + 1;
    const broken = Buffer.from(text);
    broken[at] = 0xff;
    expect(verifyReportBytes(broken, 'report.json')).toMatchObject({ verified: false, problems: ['the file is not valid UTF-8, as the suite writes it'] });
  });

  test('a report without a digest cannot be verified', () => {
    expect(check(reportJson(makeReport([makeRecord()])))).toMatchObject({ verified: false, problems: [expect.stringMatching(/carries no digest/)] });
  });
});
