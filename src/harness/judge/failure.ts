// A failure names the rule actually broken, says "interpretation" when the rule is one, and carries its
// evidence: the requests that should not have been sent and the states that should not have been
// claimed. One piece of evidence is blamed once, under the most specific rule (see judge/index.ts).
import { ruleById, type RuleId } from '../../rules/index.js';

export interface Evidence {
  /** Ledger seq numbers of requests the client should not have sent. */
  unwanted?: readonly number[];
  /** Timeline indices of states the client should not have reported. */
  claims?: readonly number[];
}

export interface Failure {
  rule: RuleId;
  message: string;
  evidence?: Evidence;
  /**
   * The check could not be made because of something the client did earlier (it never sent the packet a
   * scripted fault applies to): a failure only when nothing else failed, else reported as not judged.
   */
  consequence?: true;
}

/** A check that could not be made, and why (its premise did not hold): never a failure. */
export interface NotJudged {
  rule: RuleId;
  reason: string;
}

export function fail(rule: RuleId, message: string, evidence?: Evidence): Failure {
  const label = ruleById(rule).kind === 'interpretation' ? 'interpretation: ' : '';
  return { rule, message: `${label}${message}`, ...(evidence ? { evidence } : {}) };
}

/** A scripted fault the client never reached: the scenario could not check what it is about. */
export function faultNotReached(rule: RuleId): Failure {
  return { ...fail(rule, 'the scripted fault was never reached: the client never sent the packet it applies to'), consequence: true };
}

/** One failure per rule: the first offence, with how many there were. */
export function firstOf(rule: RuleId, offences: readonly { message: string; evidence?: Evidence }[]): Failure[] {
  const first = offences[0];
  if (!first) return [];
  const more = offences.length > 1 ? ` (and ${offences.length - 1} more)` : '';
  const unwanted = offences.flatMap((o) => o.evidence?.unwanted ?? []);
  const claims = offences.flatMap((o) => o.evidence?.claims ?? []);
  const evidence = unwanted.length || claims.length ? { ...(unwanted.length ? { unwanted } : {}), ...(claims.length ? { claims } : {}) } : undefined;
  return [fail(rule, `${first.message}${more}`, evidence)];
}

/**
 * Keeps each root cause once: a failure whose every piece of evidence an earlier (more specific) failure
 * already blamed is dropped; failures without evidence (something missing, a malformed packet) stay.
 */
export function blameOnce(failures: readonly Failure[]): Failure[] {
  const blamed = new Set<string>();
  const seen = new Set<string>();
  const kept: Failure[] = [];
  for (const f of failures) {
    const keys = [...(f.evidence?.unwanted ?? []).map((s) => `r${s}`), ...(f.evidence?.claims ?? []).map((i) => `s${i}`)];
    if (keys.length && keys.every((k) => blamed.has(k))) continue;
    if (seen.has(f.rule + f.message)) continue;
    seen.add(f.rule + f.message);
    for (const k of keys) blamed.add(k);
    kept.push(f);
  }
  return kept;
}
