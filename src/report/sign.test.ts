// Tamper evidence: the digest over the canonical form, the Ed25519 signature, and a verify that
// fails on any change to the file, down to one byte.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { reportJson } from './report.js';
import { canonicalJson, keyId, reportDigest, sealReport, verifyReportText } from './sign.js';
import { makeRecord, makeReport } from './test-support.js';

const keys = () => generateKeyPairSync('ed25519');
const check = (text: string, key?: Parameters<typeof verifyReportText>[2]) => verifyReportText(text, JSON.parse(text), key);

describe('digest and signature', () => {
  test('canonical JSON sorts keys and drops whitespace, like RFC 8785', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'é\n', 10: 1.5 })).toBe('{"10":1.5,"a":"é\\n","b":[1,{"c":null,"d":true}]}');
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
    const spots = [text.indexOf('"fail"') + 2, text.indexOf('"wallTimeMs"') + 3, text.indexOf('\n  "suite"'), text.indexOf('"digest": "') + 12, text.indexOf('"value": "') + 12, text.indexOf('"posts": ') + 9];
    for (const at of spots) {
      const byte = text[at]!;
      const swapped = byte === ' ' ? '\t' : /\d/.test(byte) ? String((Number(byte) + 1) % 10) : byte === 'a' ? 'b' : 'a';
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

  test('a report without a digest cannot be verified', () => {
    expect(check(reportJson(makeReport([makeRecord()])))).toMatchObject({ verified: false, problems: [expect.stringMatching(/carries no digest/)] });
  });
});
