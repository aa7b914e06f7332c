// Tamper evidence: a SHA-256 digest over the report's canonical form (RFC 8785: keys sorted by
// UTF-16 code units, no whitespace; the `integrity` property itself left out), and optionally an
// Ed25519 signature over that hex digest. `verify` also holds the file to the exact bytes the suite
// writes, so an edit that changes no value (whitespace, key order) is caught too.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readInputText, ReportInputError } from './files.js';
import { reportJson, type ConformanceReport, type ReportIntegrity } from './report.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('a report cannot hold a non-finite number');
  return JSON.stringify(value);
}

/** The SHA-256 (hex) of the report's canonical form, its `integrity` property excluded. */
export function reportDigest(report: object): string {
  const { integrity: _ignored, ...content } = report as { integrity?: unknown };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** `sha256:` and the hex SHA-256 of a public key's DER (SPKI) bytes: a short, stable name for a key. */
export function keyId(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

/** Returns the report with its integrity block: the digest, and the signature when a key is given. */
export function sealReport(report: ConformanceReport, signingKey?: KeyObject): ConformanceReport {
  const digest = reportDigest(report);
  const integrity: ReportIntegrity = { canonicalization: 'RFC8785', algorithm: 'sha256', digest };
  if (signingKey) {
    const publicKey = createPublicKey(signingKey);
    integrity.signature = {
      algorithm: 'ed25519',
      signed: 'digest',
      keyId: keyId(publicKey),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      value: sign(null, Buffer.from(digest, 'ascii'), signingKey).toString('base64'),
    };
  }
  const { integrity: _old, ...content } = report;
  return { ...content, integrity };
}

async function readKey(file: string, what: string, make: (pem: string) => KeyObject): Promise<KeyObject> {
  const pem = await readInputText(file, what);
  let key: KeyObject;
  try {
    key = make(pem);
  } catch (error) {
    throw new ReportInputError(`${what} ${file} is not a PEM key: ${(error as Error).message.split('\n')[0]}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ReportInputError(`${what} ${file} is a ${key.asymmetricKeyType ?? 'symmetric'} key; an Ed25519 key is needed`);
  return key;
}

/** An Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it). */
export function loadSigningKey(file: string): Promise<KeyObject> {
  return readKey(file, 'signing key', (pem) => createPrivateKey(pem));
}

/** An Ed25519 public key (SPKI PEM); a private key is accepted too and its public half used. */
export function loadVerifyingKey(file: string): Promise<KeyObject> {
  return readKey(file, 'public key', (pem) => createPublicKey(pem));
}

export interface Verification {
  verified: boolean;
  /** What failed: each one line. */
  problems: string[];
  /** What was checked and held. */
  checks: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks a report file's text: its form, its digest and its signature. Without `trustedKey` the
 * signature is checked against the key the report names, which proves it unchanged since signing
 * but not who signed: pass the signer's public key for that.
 */
export function verifyReportText(text: string, parsed: unknown, trustedKey?: KeyObject): Verification {
  const problems: string[] = [];
  const checks: string[] = [];
  if (!isObject(parsed)) return { verified: false, problems: ['the file does not hold a report object'], checks };
  const integrity = parsed.integrity;
  if (!isObject(integrity) || typeof integrity.digest !== 'string') {
    return { verified: false, problems: ['the report carries no digest (no integrity.digest): it cannot be verified'], checks };
  }
  if (integrity.algorithm !== 'sha256' || integrity.canonicalization !== 'RFC8785') {
    problems.push(`unknown digest method ${String(integrity.algorithm)} over ${String(integrity.canonicalization)}`);
  }
  const actual = reportDigest(parsed);
  if (actual === integrity.digest) checks.push(`digest sha256 ${actual} matches the content`);
  else problems.push(`digest mismatch: the report says ${integrity.digest}, its content hashes to ${actual}`);
  if (text === reportJson(parsed as unknown as ConformanceReport)) checks.push('the file is byte for byte as the suite wrote it');
  else problems.push('the file is not byte for byte as the suite wrote it (whitespace, key order or escaping changed)');

  const signature = integrity.signature;
  if (!isObject(signature)) {
    if (trustedKey) problems.push(`the report is not signed, and a key was given (${keyId(trustedKey)})`);
    return { verified: problems.length === 0, problems, checks };
  }
  let key: KeyObject | undefined = trustedKey;
  if (!key) {
    try {
      key = createPublicKey(String(signature.publicKey));
    } catch {
      problems.push('the signature names a public key that does not parse');
    }
  } else if (signature.keyId !== keyId(key)) {
    problems.push(`the report says it was signed by ${String(signature.keyId)}, not by the given key ${keyId(key)}`);
  }
  if (key) {
    const ok = signature.algorithm === 'ed25519' && key.asymmetricKeyType === 'ed25519'
      && verify(null, Buffer.from(String(integrity.digest), 'ascii'), key, Buffer.from(String(signature.value), 'base64'));
    const whose = trustedKey ? `the given key ${keyId(key)}` : `the key the report names, ${keyId(key)} (pass --key to check who signed)`;
    if (ok) checks.push(`ed25519 signature by ${whose} is valid`);
    else problems.push(`the ed25519 signature does not verify with ${whose}`);
  }
  return { verified: problems.length === 0, problems, checks };
}
