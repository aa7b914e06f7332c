// Every rule ID of rules.json as a literal type, so a check that names a rule is checked by the compiler
// (rule-ids.test.ts holds this list to the table).
export const RULE_IDS = [
  'APP-SUCCESS', 'APP-3XX', 'APP-4XX', 'APP-5XX',
  'APP-OTHER', 'APP-403-NOREPOST', 'APP-CONTEXT', 'ERR-CODE',
  'ERR-CODE-ALL', 'JOB-TRANSIENT', 'JOB-NPT', 'JOB-FATAL',
  'JOB-SUCCESS', 'JOB-STATES', 'JOB-FINAL-QUIET', 'JOB-CANCEL', 'RESUME-RESTARTS',
  'NO-FALSE-SUCCESS', 'PKT-REPLY', 'RELAY-MIRROR', 'RELAY-1XX',
  'RELAY-ALT-HEADER', 'RELAY-PRECEDENCE', 'NOREPOST-SCOPE', 'NOREPOST-EVERY-RESUME',
  'FATAL-RESUME', 'TRANSIENT-RETRY', 'PKT-CREATE', 'PKT-SESSION',
  'PKT-RANGE', 'PKT-RESUME-OFFSET', 'PKT-SESSION-RESTART', 'PKT-CLOSE-RETRY',
  'PKT-CLOSE-EARLY', 'PKT-CLOSE-ONCE', 'PKT-SHRINK', 'ERR-CONTEXT-SERVER',
  'TIMING-NPT-ZERO', 'TIMING-DELAY-OVER-NPT', 'TIMING-PROGRESS-RESETS', 'TRANSPORT-FAULT',
  'PKT-HOST-ID', 'EMPTY-PACKET-LENGTH', 'PKT-ACK-INVALID', 'ACK-RANGE-ALWAYS',
  'ACK-416-NO-RANGE', 'ACK-NO-PROGRESS', 'CLOSE-FAILURE', 'SERVER-ERROR-CLASS',
  'CONNECTION-REUSE',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}
