// @ts-check
// The scenario modules' judge code: what `npm run mutation` mutates in src/harness/scenarios/, and what
// the recorded observations do not depend on (tools/mutation/observations.ts leaves it out of their key).
// A scenario module holds, beside its judge, the faults, the server set-up and the flow that make the
// observation; a mutant of those would change what a client is shown, which replaying recorded
// observations cannot see. So only these are mutated, found in the syntax tree rather than by line
// numbers, so edits elsewhere do not move them:
// - the `judge` and `expected` properties of every object literal (a scenario's judge and what the
//   rules expect; no flow reads `expected`);
// - every top-level declaration that only those, or other such declarations, refer to (a judge
//   function, a helper of judges, an expectation shared by several scenarios).
// Each must have its lines to itself: Stryker's ranges are whole lines here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const SCENARIO_DIR = 'src/harness/scenarios';
const JUDGE_PROPERTIES = new Set(['judge', 'expected']);

/**
 * The scenario modules with judge code, from the repository root.
 * @param {string} root
 * @returns {string[]}
 */
export function scenarioModules(root) {
  return readdirSync(join(root, SCENARIO_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts' && f !== 'types.ts')
    .sort()
    .map((f) => `${SCENARIO_DIR}/${f}`);
}

/**
 * @param {ts.Node} node
 * @param {(n: ts.Node) => void} each
 */
function walk(node, each) {
  each(node);
  ts.forEachChild(node, (child) => walk(child, each));
}

/** @param {ts.Identifier} id */
const isReference = (id) =>
  !(ts.isPropertyAccessExpression(id.parent) && id.parent.name === id) &&
  !(ts.isPropertyAssignment(id.parent) && id.parent.name === id) &&
  !((ts.isFunctionDeclaration(id.parent) || ts.isVariableDeclaration(id.parent)) && id.parent.name === id);

/**
 * @param {ts.Node} outer
 * @param {number} pos
 */
const inside = (outer, pos) => pos >= outer.getStart() && pos < outer.getEnd();

/**
 * The top-level declarations of a module, by name (a statement that declares one name).
 * @param {ts.SourceFile} sf
 * @returns {Map<string, ts.Statement>}
 */
function topLevelDeclarations(sf) {
  /** @type {Map<string, ts.Statement>} */
  const out = new Map();
  for (const s of sf.statements) {
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported) continue; // used elsewhere, by what this file cannot see
    if (ts.isFunctionDeclaration(s) && s.name) out.set(s.name.text, s);
    if (ts.isVariableStatement(s) && s.declarationList.declarations.length === 1) {
      const name = s.declarationList.declarations[0]?.name;
      if (name && ts.isIdentifier(name)) out.set(name.text, s);
    }
  }
  return out;
}

/**
 * The nodes of one module that hold judge code (see the top of this file).
 * @param {ts.SourceFile} sf
 * @returns {ts.Node[]}
 */
function judgeNodes(sf) {
  /** @type {ts.Node[]} */
  const judged = [];
  /** @type {ts.Identifier[]} */
  const references = [];
  walk(sf, (n) => {
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && JUDGE_PROPERTIES.has(n.name.text) && ts.isObjectLiteralExpression(n.parent)) judged.push(n);
    if (ts.isIdentifier(n) && isReference(n)) references.push(n);
  });
  const declarations = topLevelDeclarations(sf);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, statement] of declarations) {
      if (judged.includes(statement)) continue;
      const uses = references.filter((r) => r.text === name && !inside(statement, r.getStart()));
      if (uses.length && uses.every((r) => judged.some((j) => inside(j, r.getStart())))) {
        judged.push(statement);
        grew = true;
      }
    }
  }
  return judged;
}

/**
 * The lines of a node, checked to be its own: no code of a sibling shares them.
 * @param {ts.SourceFile} sf
 * @param {ts.Node} node
 * @param {string} file
 * @returns {{ start: number; end: number }}
 */
function ownLines(sf, node, file) {
  const line = (/** @type {number} */ pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const start = line(node.getStart(sf));
  const end = line(node.getEnd());
  const siblings = ts.isPropertyAssignment(node) ? /** @type {ts.ObjectLiteralExpression} */ (node.parent).properties : sf.statements;
  const i = siblings.indexOf(/** @type {any} */ (node));
  const before = siblings[i - 1];
  const after = siblings[i + 1];
  if ((before && line(before.getEnd()) >= start) || (after && line(after.getStart(sf)) <= end)) {
    throw new Error(`${file}:${start}: judge code shares its line with other code; give it lines of its own (tools/mutation/judge-ranges.mjs)`);
  }
  return { start, end };
}

/**
 * The line ranges of a scenario module's judge code, in order.
 * @param {string} file path from the repository root
 * @param {string} text the module's source
 * @returns {{ start: number; end: number }[]}
 */
export function judgeLineRanges(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return judgeNodes(sf)
    .map((n) => ownLines(sf, n, file))
    .sort((a, b) => a.start - b.start);
}

/**
 * Stryker `mutate` entries for the judge code of every scenario module: `file:start-end`.
 * @param {string} root
 * @returns {string[]}
 */
export function scenarioMutateEntries(root) {
  return scenarioModules(root).flatMap((file) => judgeLineRanges(file, readFileSync(join(root, file), 'utf8')).map((r) => `${file}:${r.start}-${r.end}`));
}

/**
 * A scenario module with its judge code blanked (lines kept, so nothing else moves): what the
 * observations depend on.
 * @param {string} file
 * @param {string} text
 * @returns {string}
 */
export function withoutJudgeCode(file, text) {
  const lines = text.split('\n');
  for (const { start, end } of judgeLineRanges(file, text)) for (let l = start; l <= end; l++) lines[l - 1] = '';
  return lines.join('\n');
}
