// junit.xml parsed back with a real XML parser: one testcase per case, the right counts, and
// fail / error / unsupported / xfail in the elements CI systems read.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { toJUnitXml } from './junit.js';
import { makeRecord, makeReport } from './test-support.js';
import { applyExpectedFailures } from './xfail.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

function parse(xml: string): { root: Node; suites: Node[]; cases: Node[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const root = parser.parse(xml).testsuites as Node;
  const suites = root.testsuite as Node[];
  return { root, suites, cases: suites.flatMap((s) => s.testcase as Node[]) };
}

const mixed = () =>
  makeReport([
    makeRecord({ status: 200, verdict: 'pass', durationMs: 12 }),
    makeRecord({ status: 404, verdict: 'fail', durationMs: 30 }),
    makeRecord({ status: 404, relay: 'alt-header', verdict: 'fail' }),
    makeRecord({ status: 503, verdict: 'warn' }),
    makeRecord({ status: 500, verdict: 'error' }),
    makeRecord({ status: 404, jobType: 'upload-reply', verdict: 'unsupported' }),
    makeRecord({ status: 150, verdict: 'pass' }),
  ]);

describe('JUnit XML', () => {
  test('one testcase per case, grouped by classifying rule, with counts that add up', () => {
    const report = mixed();
    const { root, suites, cases } = parse(toJUnitXml(report));
    expect(cases).toHaveLength(7);
    expect(root).toMatchObject({ tests: '7', failures: '2', errors: '1', skipped: '1' });
    expect(suites.map((s) => s.name)).toEqual(['bits.application-status.APP-4XX', 'bits.application-status.APP-5XX', 'bits.application-status.APP-OTHER', 'bits.application-status.APP-SUCCESS']);
    const fourxx = suites[0]!;
    expect(fourxx).toMatchObject({ tests: '3', failures: '2', errors: '0', skipped: '1' });
    for (const s of suites) {
      const own = s.testcase as Node[];
      expect(Number(s.tests)).toBe(own.length);
      expect(Number(s.failures)).toBe(own.filter((c) => 'failure' in c).length);
      expect(Number(s.errors)).toBe(own.filter((c) => 'error' in c).length);
      expect(Number(s.skipped)).toBe(own.filter((c) => 'skipped' in c).length);
    }
    expect(cases.find((c) => c.name === 'app/200/mirror/upload')).toMatchObject({ classname: 'bits.application-status.APP-SUCCESS', time: '0.012' });
  });

  test('a failure carries the rule, expected vs observed and the replay command', () => {
    const { cases } = parse(toJUnitXml(mixed()));
    const failed = cases.find((c) => c.name === 'app/404/mirror/upload')!;
    const failure = failed.failure as Node;
    expect(failure.message).toBe('[APP-CONTEXT] expected context 7 (REMOTE_APPLICATION) after the final Ack, observed 5');
    expect(failure.type).toBe('APP-CONTEXT');
    expect(failure['#text']).toContain('expected: fatal: ERROR after the final Ack with error { context 7, code 0x80190194 }');
    expect(failure['#text']).toContain('observed: ERROR after the final Ack');
    expect(failure['#text']).toContain('APP-CONTEXT (MUST): The error the client reports has context');
    expect(failure['#text']).toContain('replay: npm start -- --client crafted.ts --case app/404/mirror/upload');
    expect(failed['system-out']).toMatch(/#4 \+0 ms Fragment bytes 4096-5999\/6000 => 404 code 0x80190194 context 7 {2}\[application post #1 answered 404\]/);
  });

  test('error is <error>, unsupported and xfail are <skipped>, warn passes with a note', () => {
    const list = { file: '/x/expected.json', sha256: '0'.repeat(64), entries: [{ case: 'app/404/alt-header/upload', reason: 'context fix pending', link: 'https://example.org/issues/7', expires: '2999-12-31' }] };
    const report = applyExpectedFailures(mixed(), list, new Date('2026-01-01'));
    const { root, cases } = parse(toJUnitXml(report));
    expect(root).toMatchObject({ tests: '7', failures: '1', errors: '1', skipped: '2' });
    expect((cases.find((c) => c.name === 'app/500/mirror/upload')!.error as Node).message).toMatch(/^client error: resume\(\) threw/);
    expect((cases.find((c) => c.name === 'app/404/mirror/upload-reply')!.skipped as Node).message).toMatch(/^unsupported: /);
    expect((cases.find((c) => c.name === 'app/404/alt-header/upload')!.skipped as Node).message).toMatch(/^expected failure: \[APP-CONTEXT\].*context fix pending \(https:\/\/example.org\/issues\/7, expires 2999-12-31\)/);
    const warned = cases.find((c) => c.name === 'app/503/mirror/upload')!;
    expect(warned).not.toHaveProperty('failure');
    expect(warned['system-out']).toMatch(/^warn \(a SHOULD rule was broken\)/);
  });

  test('run errors are testcases with <error>, so a CI view turns red', () => {
    const report = makeReport([makeRecord({ verdict: 'pass' })], { runErrors: ['suites/app-status-4xx-upload.suite.ts: Cannot find module'] });
    const { root, suites } = parse(toJUnitXml(report));
    expect(root).toMatchObject({ tests: '2', errors: '1' });
    expect(suites.at(-1)).toMatchObject({ name: 'bits.run', errors: '1' });
  });

  test('text a client controls cannot break the XML: markup is escaped, control characters are spelled out', () => {
    const nasty = 'observed </failure><injected attr="x"> & \u0001\u001b ]]> \uD800';
    const report = makeReport([makeRecord({ verdict: 'fail', failures: [{ rule: 'APP-CONTEXT', message: nasty }] })], { clientName: 'a "quoted" <client>' });
    const xml = toJUnitXml(report);
    const { root, cases } = parse(xml);
    expect(xml).not.toMatch(/[\u0001\u001b]/);
    expect(root.name).toContain('a "quoted" <client>');
    expect((cases[0]!.failure as Node).message).toBe('[APP-CONTEXT] observed </failure><injected attr="x"> & \\u0001\\u001b ]]> \\ud800');
  });
});
