// Tamper evidence: a SHA-256 digest over the report's canonical form (RFC 8785: keys sorted by
// UTF-16 code units, no whitespace; the `integrity` property itself left out), and optionally an
// Ed25519 signature over that hex digest. `verify` also holds the file to the exact bytes the suite
// writes, so an edit that changes no value (whitespace, key order) is caught too.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { parseInputJson, readInputText, ReportInputError } from './files.js';
import { canonicalJson } from '../schema/canonical-json.js';
import { rememberReportJson, reportJson, type ConformanceReport, type ReportIntegrity } from './report.js';

/** The SHA-256 (hex) of the report's canonical form, its `integrity` property excluded. */
export function reportDigest(report: object): string {
  const { integrity: _ignored, ...content } = report as { integrity?: unknown };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** `sha256:` and the hex SHA-256 of a public key's DER (SPKI) bytes: a short, stable name for a key. */
export function keyId(publicKey: KeyObject): string {
  return derKeyId(publicKey.export({ type: 'spki', format: 'der' }));
}

function derKeyId(der: Buffer): string {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * Returns the report with its integrity block: the digest, and the signature when a key is given. The
 * report is serialized once: each top-level member's canonical text goes into the digest, and the same
 * texts, with `integrity` in its sorted place, make the file reportJson() writes.
 */
export function sealReport(report: ConformanceReport, signingKey?: KeyObject): ConformanceReport {
  const { integrity: _old, ...content } = report;
  const members = Object.entries(content)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]): [string, string] => [k, canonicalJson(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256').update('{', 'utf8');
  members.forEach(([k, text], i) => hash.update(`${i ? ',' : ''}${JSON.stringify(k)}:`, 'utf8').update(text, 'utf8'));
  const digest = hash.update('}', 'utf8').digest('hex');
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
  const sealed: ConformanceReport = { ...content, integrity };
  const withIntegrity = [...members, ['integrity', canonicalJson(integrity)] as [string, string]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  rememberReportJson(sealed, `{${withIntegrity.map(([k, text]) => `${JSON.stringify(k)}:${text}`).join(',')}}\n`);
  return sealed;
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

const INTEGRITY_FIELDS = ['canonicalization', 'algorithm', 'digest', 'signature'];
const SIGNATURE_FIELDS = ['algorithm', 'signed', 'keyId', 'publicKey', 'value'];
/** An Ed25519 signature is 64 bytes: 88 base64 characters, the last two `==`. */
const SIGNATURE_BYTES = 64;

function unknownFields(block: Record<string, unknown>, known: string[], where: string): string[] {
  return Object.keys(block).filter((k) => !known.includes(k)).map((k) => `${where} holds a field the suite never writes: ${JSON.stringify(k)}`);
}

/**
 * The one spelling sealReport writes: Node's SPKI PEM of an Ed25519 key (a fixed 12-byte DER prefix,
 * `MCowBQYDK2VwAyEA` in base64, then the 32-byte key), and a key id of 64 hex digits.
 */
const ED25519_SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\n(MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=)\n-----END PUBLIC KEY-----\n$/;
const KEY_ID = /^sha256:[0-9a-f]{64}$/;

/** `base64` if it is the one spelling of its bytes (the last character's unused bits are zero). */
function canonicalBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * The signature block as sealReport writes it, field by field. Base64 and PEM both have spellings
 * that decode to the same bytes (unused low bits of the last character, line breaks, header text), so
 * each value is held to its one canonical spelling, and the key id must name the key the block embeds.
 * Returns the embedded key when the block is exactly as written: only then is the signature checked.
 */
function signatureProblems(signature: Record<string, unknown>, problems: string[]): KeyObject | undefined {
  const before = problems.length;
  problems.push(...unknownFields(signature, SIGNATURE_FIELDS, 'integrity.signature'));
  if (signature.algorithm !== 'ed25519') problems.push(`integrity.signature.algorithm is ${JSON.stringify(signature.algorithm)}, not "ed25519"`);
  if (signature.signed !== 'digest') problems.push(`integrity.signature.signed is ${JSON.stringify(signature.signed)}, not "digest"`);
  const value = typeof signature.value === 'string' ? canonicalBase64(signature.value) : undefined;
  if (value?.length !== SIGNATURE_BYTES) problems.push(`integrity.signature.value is not the canonical base64 of a ${SIGNATURE_BYTES}-byte Ed25519 signature`);
  const body = typeof signature.publicKey === 'string' ? ED25519_SPKI_PEM.exec(signature.publicKey)?.[1] : undefined;
  const der = body === undefined ? undefined : canonicalBase64(body);
  if (!der) problems.push('integrity.signature.publicKey is not an Ed25519 public key spelled as the suite writes it (SPKI PEM)');
  if (typeof signature.keyId !== 'string' || !KEY_ID.test(signature.keyId)) problems.push(`integrity.signature.keyId ${JSON.stringify(signature.keyId)} is not sha256: and 64 hex digits`);
  else if (der && signature.keyId !== derKeyId(der)) problems.push(`integrity.signature.keyId ${signature.keyId} does not name the embedded public key (${derKeyId(der)})`);
  if (problems.length > before || !der) return undefined;
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    problems.push('integrity.signature.publicKey does not parse as an Ed25519 public key');
    return undefined;
  }
}

/** Reports were written indented by two spaces, in the order the suite builds them, before they were written canonical. */
function earlierLayout(parsed: object): string {
  return `${JSON.stringify(parsed, null, 2)}\n`;
}

/**
 * Checks a report file's text: its form, its digest and its signature. Without `trustedKey` the
 * signature is checked against the key the report names, which proves it unchanged since signing
 * but not who signed: pass the signer's public key for that. Every field of `integrity` is held to
 * what the suite writes, so no edit anywhere in the file verifies.
 */
export function verifyReportText(text: string, parsed: unknown, trustedKey?: KeyObject): Verification {
  const problems: string[] = [];
  const checks: string[] = [];
  if (!isObject(parsed)) return { verified: false, problems: ['the file does not hold a report object'], checks };
  const integrity = parsed.integrity;
  if (!isObject(integrity) || typeof integrity.digest !== 'string') {
    return { verified: false, problems: ['the report carries no digest (no integrity.digest): it cannot be verified'], checks };
  }
  problems.push(...unknownFields(integrity, INTEGRITY_FIELDS, 'integrity'));
  if (integrity.algorithm !== 'sha256' || integrity.canonicalization !== 'RFC8785') {
    problems.push(`unknown digest method ${String(integrity.algorithm)} over ${String(integrity.canonicalization)}`);
  }
  const actual = reportDigest(parsed);
  const digestHolds = actual === integrity.digest;
  if (digestHolds) checks.push(`digest sha256 ${actual} matches the content`);
  else problems.push(`digest mismatch: the report says ${integrity.digest}, its content hashes to ${actual}`);
  if (text === reportJson(parsed as unknown as ConformanceReport) || text === earlierLayout(parsed)) checks.push('the file is byte for byte as the suite wrote it');
  else problems.push('the file is not byte for byte as the suite wrote it (whitespace, key order or escaping changed)');

  const signature = integrity.signature;
  if (signature === undefined) {
    if (trustedKey) problems.push(`the report is not signed, and a key was given (${keyId(trustedKey)})`);
    return { verified: problems.length === 0, problems, checks };
  }
  if (!isObject(signature)) {
    problems.push('integrity.signature is not an object');
    return { verified: false, problems, checks };
  }
  if (trustedKey && signature.keyId !== keyId(trustedKey)) {
    problems.push(`the report says it was signed by ${String(signature.keyId)}, not by the given key ${keyId(trustedKey)}`);
  }
  // The signature is over the digest: worth checking only when the digest holds and the block is as written.
  const embedded = digestHolds ? signatureProblems(signature, problems) : undefined;
  const key = trustedKey ?? embedded;
  if (key && embedded) {
    const ok = key.asymmetricKeyType === 'ed25519' && verify(null, Buffer.from(integrity.digest, 'ascii'), key, Buffer.from(String(signature.value), 'base64'));
    const whose = trustedKey ? `the given key ${keyId(key)}` : `the key the report names, ${keyId(key)} (pass --key to check who signed)`;
    if (ok) checks.push(`ed25519 signature by ${whose} is valid`);
    else problems.push(`the ed25519 signature does not verify with ${whose}`);
  }
  return { verified: problems.length === 0, problems, checks };
}

/**
 * Checks a report file's bytes: they must be UTF-8 as the suite writes it (no byte-order mark, no
 * invalid sequence, which a lenient decoder would quietly turn into U+FFFD), then as verifyReportText.
 * A file that is not JSON is refused as bad input (ReportInputError).
 */
export function verifyReportBytes(bytes: Uint8Array, file: string, trustedKey?: KeyObject): Verification & { parsed?: unknown } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { verified: false, problems: ['the file is not valid UTF-8, as the suite writes it'], checks: [] };
  }
  const parsed = parseInputJson(text, file, 'report');
  return { ...verifyReportText(text, parsed, trustedKey), parsed };
}
