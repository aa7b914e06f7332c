// `rules`: the rule table as a person reads it, and `rules <status>`: what a client must do after an
// application status, and why, in plain words. Everything comes from src/rules and the cases built
// from it, so it says what the suite checks, never a second opinion.
import { STATUS_CODES } from 'node:http';
import { allCases, VIRTUAL_PROFILE } from '../harness/cases.js';
import {
  APPLICATION_ERROR_CONTEXT,
  FIRST_STATUS,
  LAST_STATUS,
  blocksRepost,
  classify,
  classifyingRule,
  errorCodeFor,
  hasNamedErrorCode,
  ruleById,
  ruleTable,
  rulesDigest,
  statusSpecificRuleIds,
  winhttpName,
  type Rule,
  type StatusClass,
} from '../rules/index.js';
import { OptionError } from './options.js';
import { rulesMarkdown } from './rules-doc.js';

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
const seconds = (ms: number): string => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} days` : `${ms / 1000} s`);

export function ruleTableLines(): string[] {
  const width = Math.max(...ruleTable.rules.map((r) => r.id.length));
  const lines = [`rule table ${ruleTable.name} (sha256 ${rulesDigest().slice(0, 12)}): ${ruleTable.rules.length} rules`, ''];
  lines.push(`${'ID'.padEnd(width)}  LEVEL   KIND            SOURCES             STATEMENT`);
  for (const r of ruleTable.rules) {
    lines.push(`${r.id.padEnd(width)}  ${r.level.padEnd(6)}  ${r.kind.padEnd(14)}  ${r.sources.join(',').padEnd(18)}  ${r.statement}`);
  }
  lines.push('', 'sources:');
  for (const [key, text] of Object.entries(ruleTable.sources)) lines.push(`  ${key.padEnd(8)} ${text}`);
  lines.push('', 'An interpretation is what this suite adopts where the sources are silent.');
  return lines;
}

/** The exception list of a classifying rule that a status falls under, if any. */
function exceptionOf(rule: Rule, status: number): { codes: number[]; class: StatusClass } | undefined {
  return rule.classifies?.except?.find((e) => e.codes.includes(status));
}

export interface StatusExplanation {
  status: number;
  reason?: string;
  winhttpName?: string;
  class: StatusClass;
  classifyingRule: string;
  /** True when the status is one of its rule's listed exceptions. */
  exception: boolean;
  error: { context: number; code: string } | null;
  repostAllowed: boolean;
  /** What the client must do, one sentence each, with the rule behind it. */
  must: { rule: string; text: string }[];
  /** Every rule a case of this status checks, with its sentence. */
  rules: { id: string; level: string; kind: string; statement: string }[];
  cases: string[];
}

export function explainStatus(status: number): StatusExplanation {
  const rule = classifyingRule(status);
  const cls = classify(status);
  const exception = exceptionOf(rule, status);
  const name = winhttpName(status);
  const code = errorCodeFor(status);
  const delay = seconds(ruleTable.defaults.minimumRetryDelayMs);
  const npt = seconds(ruleTable.defaults.noProgressTimeoutMs);
  const error = cls === 'success' ? null : { context: APPLICATION_ERROR_CONTEXT, code: hex(code) };
  const must: StatusExplanation['must'] = [];
  if (cls === 'success') {
    must.push({ rule: 'JOB-SUCCESS', text: 'report the job TRANSFERRED with no error right after the final Fragment\'s Ack; Complete makes it ACKNOWLEDGED with exactly one Close-Session' });
  } else {
    const errorText = `{ context ${APPLICATION_ERROR_CONTEXT} (REMOTE_APPLICATION), code ${hex(code)} }`;
    if (cls === 'transient') {
      must.push({ rule: 'JOB-TRANSIENT', text: `report TRANSIENT_ERROR with the error ${errorText} right after the final Fragment's Ack` });
      must.push({ rule: 'TRANSIENT-RETRY', text: `send nothing before MinimumRetryDelay (default ${delay}), then send the final fragment again by itself: the application sees the file a second time` });
      must.push({ rule: 'JOB-NPT', text: `if the application keeps failing, keep retrying until NoProgressTimeout (default ${npt}), then report ERROR with the last error` });
    } else {
      must.push({ rule: 'JOB-FATAL', text: `report ERROR with the error ${errorText} right after the final Fragment's Ack, and send nothing more until the application calls Resume, Cancel or Complete` });
      if (blocksRepost(status)) {
        must.push({ rule: 'NOREPOST-SCOPE', text: 'never cause the file to be posted to the application again for this job: not by itself, not after Resume, not through a new session; and never claim TRANSFERRED' });
      } else {
        must.push({ rule: 'FATAL-RESUME', text: 'on Resume, send the final fragment again (the application sees the file a second time); a 200 then completes the job' });
      }
    }
    must.push({ rule: 'ERR-CODE', text: `use the code 0x80190000 + ${status} = ${hex(code)}${hasNamedErrorCode(status) ? ` (BG_E_HTTP_ERROR_${status})` : ', the same formula although the SDK names no constant for it (ERR-CODE-ALL)'}` });
  }
  const cases = allCases(VIRTUAL_PROFILE).filter((c) => c.status === status);
  const ids = [...new Set([rule.id, ...statusSpecificRuleIds(status), ...cases.flatMap((c) => c.rules)])];
  return {
    status,
    ...(STATUS_CODES[status] ? { reason: STATUS_CODES[status] } : {}),
    ...(name ? { winhttpName: name } : {}),
    class: cls,
    classifyingRule: rule.id,
    exception: exception !== undefined,
    error,
    repostAllowed: !blocksRepost(status),
    must: must.filter((m) => ruleTable.rules.some((r) => r.id === m.rule)),
    rules: ids.map((id) => {
      const r = ruleById(id);
      return { id, level: r.level, kind: r.kind, statement: r.statement };
    }),
    cases: cases.map((c) => c.id),
  };
}

/** Why the status has its class: the rule, and whether the status is one of its exceptions. */
function whyLines(e: StatusExplanation): string[] {
  const rule = ruleById(e.classifyingRule);
  const sources = rule.sources.map((s) => `[${s}]`).join(' ');
  const lines = [`why: ${rule.id} (${rule.level}, ${sources}): "${rule.statement}"`];
  const base = rule.classifies!;
  if (e.exception) lines.push(`  ${e.status} is one of its exceptions, so it is ${e.class}.`);
  else if (base.except?.length) lines.push(`  ${e.status} is not one of its exceptions (${base.except.flatMap((x) => x.codes).join(', ')}), so it is ${e.class}.`);
  if (e.winhttpName && e.class !== 'success') {
    lines.push(`  WinHTTP names it ${e.winhttpName}, but it is still ${e.class}: a BITS client goes by ${rule.id}, not by the name.`);
  }
  return lines;
}

export function statusLines(e: StatusExplanation, command: string): string[] {
  const label = `${e.status}${e.reason ? ` ${e.reason}` : ''}${e.winhttpName ? ` (${e.winhttpName})` : ''}`;
  const lines = [`${label}: ${e.class}`, ...whyLines(e), '', `when the server application answers ${e.status}, the client must:`];
  for (const m of e.must) lines.push(`  - ${m.text} [${m.rule}]`);
  const special = e.rules.filter((r) => statusSpecificRuleIds(e.status).includes(r.id));
  for (const r of special) lines.push(`  note ${r.id}: ${r.statement}`);
  lines.push('', `rules the suite checks for ${e.status}:`);
  for (const r of e.rules) lines.push(`  ${r.id} (${r.level}${r.kind === 'interpretation' ? ', interpretation' : ''}): ${r.statement}`);
  if (e.cases.length) {
    lines.push('', `cases (${e.cases.length}): ${e.cases.join(', ')}`);
    lines.push(`run one: ${command} run --client <your adapter> --case ${e.cases[0]}`);
  }
  return lines;
}

export async function rulesCommand(statusText: string | undefined, options: { json: boolean; markdown: boolean; command: string }): Promise<number> {
  if (options.markdown) {
    if (statusText !== undefined) throw new OptionError('rules --markdown prints the whole table; leave out the status');
    process.stdout.write(rulesMarkdown());
    return 0;
  }
  if (statusText === undefined) {
    if (options.json) console.log(JSON.stringify({ name: ruleTable.name, rulesDigest: rulesDigest(), sources: ruleTable.sources, rules: ruleTable.rules, defaults: ruleTable.defaults }, null, 2));
    else console.log(ruleTableLines().join('\n'));
    return 0;
  }
  if (!/^\d{3}$/.test(statusText) || Number(statusText) < FIRST_STATUS || Number(statusText) > LAST_STATUS) {
    throw new OptionError(`rules: '${statusText}' is not an application status ${FIRST_STATUS}-${LAST_STATUS}`);
  }
  const explanation = explainStatus(Number(statusText));
  console.log(options.json ? JSON.stringify(explanation, null, 2) : statusLines(explanation, options.command).join('\n'));
  return 0;
}
