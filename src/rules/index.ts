// The rule table as functions: what the judge asks, never re-derives. Each answer names its rule.
import { BG_ERROR_CONTEXT } from './enums.js';
import { FIRST_STATUS, LAST_STATUS, ruleTable, type Rule, type StatusClass } from './table.js';

export * from './enums.js';
export { FIRST_STATUS, LAST_STATUS, loadRuleTable, ruleTable, rulesDigest } from './table.js';
export type { Classification, Rule, RuleGroup, RuleLevel, RuleTable, StatusClass } from './table.js';

const rulesById = new Map(ruleTable.rules.map((rule) => [rule.id, rule]));

export function ruleById(id: string): Rule {
  const rule = rulesById.get(id);
  if (!rule) throw new Error(`unknown rule ID ${id}`);
  return rule;
}

export function isApplicationStatus(status: number): boolean {
  return Number.isInteger(status) && status >= FIRST_STATUS && status <= LAST_STATUS;
}

function assertStatus(status: number): void {
  if (!isApplicationStatus(status)) throw new RangeError(`status ${status} is outside ${FIRST_STATUS}..${LAST_STATUS}`);
}

/** The rule that decides the class of an application status (APP-SUCCESS, APP-3XX, ...). */
export function classifyingRule(status: number): Rule {
  assertStatus(status);
  // Stryker disable next-line OptionalChaining: the classifying rules come first in rules.json and one of them classifies every status, so find() never reaches a rule without `classifies`
  const rule = ruleTable.rules.find((r) => r.classifies?.ranges.some(([from, to]) => status >= from && status <= to));
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable: loadRuleTable refuses a table that leaves a status unclassified
  if (!rule) throw new Error(`no rule classifies ${status}`); // loadRuleTable proved this cannot happen
  return rule;
}

/** success | transient | fatal for an application status, per [HSAE]. */
export function classify(status: number): StatusClass {
  const { classifies } = classifyingRule(status);
  // Stryker disable next-line OptionalChaining: `classifies` is always set here: the rule was found through it
  const exception = classifies?.except?.find((e) => e.codes.includes(status));
  return exception?.class ?? classifies!.class;
}

const noRepostRules = ruleTable.rules.filter((r) => r.noRepost);

/** True only for statuses after which the file must never be posted to the application again (403). */
export function blocksRepost(status: number): boolean {
  assertStatus(status);
  // Stryker disable next-line MethodExpression: one rule (APP-403-NOREPOST) carries a no-repost list; some() and every() agree on a list of one
  return noRepostRules.some((r) => r.noRepost!.includes(status));
}

/** The rules that forbid re-posting after `status` (empty for every status but 403). */
export function noRepostRuleIds(status: number): string[] {
  return blocksRepost(status) ? noRepostRules.map((r) => r.id).concat('NOREPOST-SCOPE') : [];
}

/** Status-specific rules that concern `status` (RELAY-1XX for 1xx, RELAY-PRECEDENCE for 401/407/413/416/500). */
export function statusSpecificRuleIds(status: number): string[] {
  assertStatus(status);
  return ruleTable.rules.filter((r) => r.appliesTo?.some(([from, to]) => status >= from && status <= to)).map((r) => r.id);
}

const errCode = ruleById('ERR-CODE');

/** BG_E_HTTP_ERROR_S = 0x80190000 + S (an unsigned 32-bit number). */
export function errorCodeFor(status: number): number {
  assertStatus(status);
  return errCode.errorCodeBase! + status;
}

/** True when the SDK names a BG_E_HTTP_ERROR constant for the status; otherwise ERR-CODE-ALL applies. */
export function hasNamedErrorCode(status: number): boolean {
  return errCode.namedCodes!.some(([from, to]) => status >= from && status <= to);
}

/** The rule IDs behind the expected error code of a status. */
export function errorCodeRuleIds(status: number): string[] {
  return hasNamedErrorCode(status) ? ['ERR-CODE'] : ['ERR-CODE', 'ERR-CODE-ALL'];
}

/** The context every application error is reported with (APP-CONTEXT): REMOTE_APPLICATION, 7. */
export const APPLICATION_ERROR_CONTEXT: number = BG_ERROR_CONTEXT[ruleById('APP-CONTEXT').errorContext!];

/** WinHTTP's constant name for a status, where [WINHTTP] names one (40 of them). */
export function winhttpName(status: number): string | undefined {
  return ruleTable.winhttpNames[String(status)];
}

export const DEFAULT_MINIMUM_RETRY_DELAY_MS = ruleTable.defaults.minimumRetryDelayMs;
export const DEFAULT_NO_PROGRESS_TIMEOUT_MS = ruleTable.defaults.noProgressTimeoutMs;
export { RULE_IDS, isRuleId, type RuleId } from './ids.js';

/** The IDs of the interpretations: the only rules a run may switch off (`--interpretations-off`). */
export function interpretationIds(): string[] {
  return ruleTable.rules.filter((r) => r.kind === 'interpretation').map((r) => r.id);
}
