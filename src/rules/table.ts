// Loads the rule table (rules.json), validates it against its schema, and checks the one property a
// schema cannot: every status 100..599 is classified by exactly one rule.
import { createHash } from 'node:crypto';
import data from './rules.json' with { type: 'json' };
import schema from './rules.schema.json' with { type: 'json' };
import { compileAssert } from '../schema/ajv.js';
import { canonicalJson } from '../schema/canonical-json.js';

export type StatusClass = 'success' | 'transient' | 'fatal';
export type RuleLevel = 'MUST' | 'SHOULD';
export type RuleGroup = 'application-status' | 'error-report' | 'job-model' | 'wire' | 'relay';

export interface Classification {
  ranges: [number, number][];
  class: StatusClass;
  except?: { codes: number[]; class: StatusClass }[];
}

export interface Rule {
  id: string;
  level: RuleLevel;
  kind: 'rule' | 'interpretation';
  group: RuleGroup;
  section: string;
  sources: string[];
  statement: string;
  classifies?: Classification;
  noRepost?: number[];
  appliesTo?: [number, number][];
  errorContext?: 'REMOTE_APPLICATION' | 'REMOTE_FILE';
  errorCodeBase?: number;
  namedCodes?: [number, number][];
}

export interface RuleTable {
  name: string;
  spec: string;
  sources: Record<string, string>;
  rules: Rule[];
  defaults: { minimumRetryDelayMs: number; noProgressTimeoutMs: number };
  winhttpNames: Record<string, string>;
}

export const FIRST_STATUS = 100;
export const LAST_STATUS = 599;

export function loadRuleTable(raw: unknown): RuleTable {
  const table = compileAssert<RuleTable>(schema, 'rule table')(raw);
  const seen = new Map<number, string>();
  for (const rule of table.rules) {
    for (const [from, to] of rule.classifies?.ranges ?? []) {
      for (let status = from; status <= to; status++) {
        const other = seen.get(status);
        if (other) throw new Error(`rule table: status ${status} is classified by both ${other} and ${rule.id}`);
        seen.set(status, rule.id);
      }
    }
    for (const source of rule.sources) {
      if (!(source in table.sources)) throw new Error(`rule table: ${rule.id} cites unknown source ${source}`);
    }
  }
  for (let status = FIRST_STATUS; status <= LAST_STATUS; status++) {
    if (!seen.has(status)) throw new Error(`rule table: status ${status} is classified by no rule`);
  }
  return table;
}

export const ruleTable: RuleTable = loadRuleTable(data);

/** SHA-256 of the rule table's canonical JSON (RFC 8785): names the exact rules a report used. */
export function rulesDigest(table: RuleTable = ruleTable): string {
  return createHash('sha256').update(canonicalJson(table)).digest('hex');
}

