// Reads Stryker's report (reports/mutation/mutation.json, or several reports of runs over parts of the
// code, added up) and prints the score as Stryker computes it, overall and for the judge apart, then
// every surviving mutant with the reason it survives: `npm run mutation` runs this after Stryker.
//
// An equivalent mutant (no client can behave differently, or the difference is one the rules allow) is
// marked in the code (`// Stryker disable next-line <mutator>: <reason>`), so Stryker reports it as
// ignored and its printed score is the score; this lists the ignored ones with their reasons. The entries
// below label the survivors that remain:
// - gap: the client would behave differently, and no case of the suite judges that behaviour. Each names
//   the case that would kill it;
// - equivalent: only where a marker would also hide a killed or killable mutant of the same kind on its line.
// A survivor that matches no entry is printed as UNCLASSIFIED, so a new one is never hidden.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Kind = 'equivalent' | 'gap';

interface Verdict {
  file: string;
  /** A piece of the mutated line's text (line numbers move; the code does not). */
  line: string;
  /** Only mutants with this replacement; every mutant of the line when absent. */
  replacement?: string;
  /** Only the mutant at this column (two operands of one line can have the same replacement). */
  column?: number;
  kind: Kind;
  reason: string;
}


const STRING_IS_TRANSIENT = "callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient";

export const VERDICTS: readonly Verdict[] = [
  // the judge
  { file: 'harness/judge/index.ts', line: "const BLAME_FIRST: readonly RuleId[] = ['ACK-RANGE-ALWAYS', 'PKT-CLOSE-RETRY', 'PKT-CLOSE-EARLY', 'PKT-CLOSE-ONCE'];", replacement: '""', kind: 'gap', reason: 'no client in the kill table makes PKT-CLOSE-EARLY or PKT-CLOSE-ONCE compete with a rule outside the blame order for the same request, so their place in it is never decisive' },
  // src/client/classify.ts: not marked in the code, where one line holds a class's whole range and a
  // marker would hide the killed mutants of its boundaries with the equivalent ones
  { file: 'classify.ts', line: "if (status === 200) return 'success';", kind: 'equivalent', reason: 'the client never classifies 200: job.ts takes a 200 Ack as success before asking, and classifies only other statuses' },
  { file: 'classify.ts', line: '? \'fatal\' : \'transient\'', replacement: '""', kind: 'equivalent', reason: STRING_IS_TRANSIENT },
  { file: 'classify.ts', line: "? 'transient' : 'fatal'", replacement: '""', kind: 'equivalent', reason: STRING_IS_TRANSIENT },
  { file: 'classify.ts', line: "return 'transient';", kind: 'equivalent', reason: STRING_IS_TRANSIENT },
  { file: 'classify.ts', line: 'if (status >= 300 && status <= 399)', kind: 'equivalent', reason: 'widening or narrowing the 3xx test only moves statuses between this branch\'s "transient" and the last line\'s: 1xx, 201-299 and 399 are transient either way, 200 never comes here, and inside the branch status >= 300 holds' },
  { file: 'classify.ts', line: 'if (status >= 500 && status <= 599)', kind: 'equivalent', reason: 'the statuses that reach this test outside 500-599 (1xx, 201-299) are transient, as are its ends 500 and 599; only 501 and 505 inside it are fatal, so widening it or moving its ends changes no answer' },
  // src/rules
  // src/client/job.ts: resume() and complete()
  { file: 'job.ts', line: "if (this.state !== 'SUSPENDED' && this.state !== 'ERROR' && this.state !== 'TRANSIENT_ERROR') return;", kind: 'gap', reason: 'no case calls resume() on a job that is running or TRANSFERRED, where it must change nothing (the mutant restarts the upload)' },
  { file: 'job.ts', line: "if (this.state !== 'TRANSFERRED') return;", kind: 'gap', reason: 'no case calls complete() on a job that is not TRANSFERRED' },
  // the Fragment exchange
  { file: 'job.ts', line: 'const isFinal = last === total - 1;', kind: 'gap', reason: 'no case acknowledges a non-final fragment with the whole file, after which the client must still send a final fragment' },
  { file: 'job.ts', line: 'else if (status === 413 && last > first)', kind: 'gap', reason: 'no case answers 413 to a fragment of one byte, which must then become an error rather than a fragment of none' },
  { file: 'job.ts', line: 'this.fragmentSize = Math.floor((last - first + 1) / 2);', replacement: 'last - first - 1', kind: 'equivalent', reason: 'allowed by the rules: PKT-SHRINK asks for smaller fragments after 413, and this is smaller still (not marked in the code: a marker would hide the killable ArithmeticOperator mutant beside it)' },
  { file: 'job.ts', line: 'this.fragmentSize = Math.floor((last - first + 1) / 2);', replacement: 'last + first', kind: 'gap', reason: 'no case answers 413 to a fragment that starts past byte 0, where (last + first) / 2 is no smaller than the fragment' },
  { file: 'job.ts', line: 'const first = Math.min(this.offset, total - 1);', kind: 'gap', reason: 'no case acknowledges a non-final fragment with the whole file, after which the client must still send a final fragment' },
  { file: 'job.ts', line: 'if (!isAck(answer.headers)) return this.invalidResponse();', kind: 'gap', reason: 'no case answers a fragment with a 200 that is not an Ack' },
  { file: 'job.ts', line: 'if (next === undefined || next > total) return this.invalidResponse();', kind: 'gap', reason: 'no case acknowledges a non-final fragment with exactly the size of the file (ack-past-end names 1,000 bytes more)' },
  { file: 'job.ts', line: 'if (next <= this.offset && !this.recover())', replacement: 'this.recover()', kind: 'gap', reason: 'a client that calls a stall an error at once and spins after 64 such errors: stalled-server ends the job after two retries (a NoProgressTimeout of 70 retry delays would kill it, at 14 s per TCP run)' },
  { file: 'job.ts', line: 'if (next !== undefined && next <= total && next !== first && this.recover())', kind: 'gap', reason: 'scenario gap-416 sends a usable offset; no case sends a 416 without one, past the file, or equal to the fragment it answers' },
  { file: 'job.ts', line: 'else if (status === 500 && wire.code === HRESULT.BG_E_SESSION_NOT_FOUND)', replacement: 'true', column: 16, kind: 'gap', reason: 'no case sends BG_E_SESSION_NOT_FOUND with a status other than 500 (a client that restarts the session on the code alone passes)' },
  { file: 'job.ts', line: 'else if (status === 500 && wire.code === HRESULT.BG_E_SESSION_NOT_FOUND)', kind: 'gap', reason: 'no case answers a fragment with the server\'s own 500 without session-not-found, which must not restart the session' },
  { file: 'job.ts', line: 'if (this.recover()) {', kind: 'gap', reason: 'no case makes the server forget every session, where an endless restart loop would show (after 413 the same mutant is bounded anyway: fragments stop at one byte)' },
  // the final Ack
  { file: 'job.ts', line: '} catch {', kind: 'gap', reason: 'no case sends a BITS-Reply-URL that does not parse' },
  // Close-Session
  { file: 'job.ts', line: "if (answer.kind === 'network') return this.networkFailure();", kind: 'gap', reason: 'no case drops the connection on Close-Session' },
  // outcomes
];

/** The sections above, grouped by what they decide. */
const CONCERNS: Record<string, string[]> = {
  'rule table': ['rules/index.ts', 'rules/table.ts'],
  'application-status decisions': ['client/classify.ts', 'client/job.ts applicationError', 'client/job.ts serverError', 'client/job.ts failWith', 'client/job.ts fatal', 'client/job.ts transient'],
  'job control (resume, complete)': ['client/job.ts resume', 'client/job.ts complete'],
  'the wire (fragments, Acks, close)': ['client/job.ts sendFragment', 'client/job.ts uploaded', 'client/job.ts closeSession', 'client/job.ts endRequestNeedsResend', 'client/job.ts advanceTo', 'client/job.ts recover', 'client/job.ts networkFailure', 'client/job.ts invalidResponse'],
};

/** The judge: its own modules, and the judge code of the scenario modules. */
const isJudge = (file: string): boolean => /src\/harness\/(judge|scenarios)\//.test(file);

interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
  location: { start: { line: number; column: number } };
}

interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** `job.ts sendFragment`: the file, and for job.ts the method the line belongs to. */
function sectionOf(file: string, lines: string[], line: number): string {
  const name = file.replace(/^src\//, '');
  if (!file.endsWith('job.ts')) return name;
  for (let i = line - 1; i >= 0; i--) {
    const m = /^(?:  (?:private |async |get )*|function |export function )(\w+)\(/.exec(lines[i] ?? '');
    if (m) return `${name} ${m[1]}`;
  }
  return name;
}

export function classify(file: string, lineText: string, m: Mutant): Verdict | undefined {
  return VERDICTS.find(
    (v) =>
      file.endsWith(v.file) &&
      lineText.includes(v.line) &&
      (v.replacement === undefined || v.replacement === m.replacement) &&
      (v.column === undefined || v.column === m.location.start.column),
  );
}

interface Tally {
  detected: number;
  valid: number;
  ignored: number;
}

const tally = (): Tally => ({ detected: 0, valid: 0, ignored: 0 });
const pct = (x: Tally): string => (x.valid ? `${((100 * x.detected) / x.valid).toFixed(2)}%` : 'n/a');
/** Stryker's own figure: killed or timed out, of those killed, timed out, survived or not covered; ignored ones left out. */
const scoreLine = (name: string, x: Tally): string =>
  `${name}: ${pct(x)} (${x.detected} of ${x.valid} mutants killed or timed out; ${x.valid - x.detected} survived or not covered; ${x.ignored} equivalent, ignored by a comment in the code)`;

const describe = (file: string, m: Mutant): string =>
  `#${m.id} ${file.replace(/^src\//, '')}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}${m.replacement !== undefined ? ` -> ${m.replacement.replace(/\s+/g, ' ').slice(0, 60)}` : ''}${m.status === 'NoCoverage' ? ' (no coverage)' : ''}`;

function main(): number {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // One report, or several runs over parts of the code (`--mutate`) added up.
  const paths = process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/mutation.json'];
  const report: Report = { files: {} };
  for (const path of paths) Object.assign(report.files, (JSON.parse(readFileSync(resolve(root, path), 'utf8')) as Report).files);
  const totals = { all: tally(), judge: tally(), client: tally() };
  const groups = new Map<string, { verdict: Verdict | undefined; mutants: string[] }>();
  const ignored = new Map<string, string[]>();
  const sections = new Map<string, Tally>();
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    for (const m of mutants) {
      const name = sectionOf(file, lines, m.location.start.line);
      const section = sections.get(name) ?? tally();
      sections.set(name, section);
      const counts = [totals.all, isJudge(file) ? totals.judge : totals.client, section];
      if (m.status === 'Ignored') {
        for (const x of counts) x.ignored += 1;
        const reason = `${file.replace(/^src\//, '').replace(/:.*/, '')}: ${m.statusReason ?? 'no reason given'}`;
        ignored.set(reason, [...(ignored.get(reason) ?? []), `#${m.id} ${m.mutatorName}`]);
        continue;
      }
      if (!DETECTED.has(m.status) && !UNDETECTED.has(m.status)) continue; // compile and runtime errors, as Stryker leaves them out
      for (const x of counts) {
        x.valid += 1;
        if (DETECTED.has(m.status)) x.detected += 1;
      }
      if (DETECTED.has(m.status)) continue;
      const verdict = classify(file, lines[m.location.start.line - 1] ?? '', m);
      const key = verdict ? `${verdict.kind}: ${verdict.reason}` : 'UNCLASSIFIED';
      const group = groups.get(key) ?? { verdict, mutants: [] };
      group.mutants.push(describe(file, m));
      groups.set(key, group);
    }
  }
  const out = [
    scoreLine('mutation score, overall', totals.all),
    scoreLine('mutation score, the judge (src/harness/judge, the scenarios\' judge code)', totals.judge),
    scoreLine('mutation score, the rule table and the reference client', totals.client),
    '',
    'by file and function: score, mutants, ignored',
  ];
  for (const [name, x] of [...sections.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  ${name.padEnd(44)} ${pct(x).padStart(8)} ${String(x.valid).padStart(5)} ${String(x.ignored).padStart(4)}`);
  }
  out.push('', 'the reference client by concern: score, mutants');
  for (const [concern, names] of Object.entries(CONCERNS)) {
    const sum = [...sections.entries()].filter(([name]) => names.includes(name)).reduce((a, [, v]) => ({ detected: a.detected + v.detected, valid: a.valid + v.valid, ignored: a.ignored + v.ignored }), tally());
    out.push(`  ${concern.padEnd(44)} ${pct(sum).padStart(8)} ${String(sum.valid).padStart(5)}`);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === 'UNCLASSIFIED' ? -1 : b === 'UNCLASSIFIED' ? 1 : a.localeCompare(b)));
  const markdown = ['| Kind | Why it survives | Mutants |', '|---|---|---|'];
  for (const [key, { verdict, mutants }] of ordered) {
    out.push('', `${key} (${mutants.length})`, ...mutants.map((x) => `  ${x}`));
    markdown.push(`| ${verdict?.kind ?? '**UNCLASSIFIED**'} | ${verdict?.reason ?? 'not yet classified'} | ${mutants.map((x) => x.split(' ').slice(0, 2).join(' ')).join(', ')} |`);
  }
  out.push('', 'equivalent, ignored by a comment in the code (`// Stryker disable next-line <mutator>: <reason>`):');
  for (const [reason, mutants] of [...ignored.entries()].sort(([a], [b]) => a.localeCompare(b))) out.push(`  ${reason} (${mutants.length}: ${mutants.join(', ')})`);
  console.log(out.join('\n'));
  writeFileSync(join(root, 'reports', 'mutation', 'survivors.md'), `${out.slice(0, 3).join('\n\n')}\n\n${markdown.join('\n')}\n`);
  return groups.has('UNCLASSIFIED') ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
