import { describe, expect, test } from 'vitest';
import { toMarkdownSummary } from './markdown.js';
import { makeRecord, makeReport } from './test-support.js';
import { applyExpectedFailures } from './xfail.js';

describe('Markdown summary', () => {
  test('verdict, counts, and failing codes by rule as ranges with an example', () => {
    const records = [
      ...[404, 405, 406, 410].map((status) => makeRecord({ status, verdict: 'fail' })),
      makeRecord({ status: 403, verdict: 'fail', failures: [{ rule: 'APP-403-NOREPOST', message: 'after 403 the file was posted to the application 1 more time(s)' }] }),
      makeRecord({ status: 200, verdict: 'pass' }),
      makeRecord({ status: 500, verdict: 'error' }),
    ];
    const md = toMarkdownSummary(makeReport(records));
    expect(md).toMatch(/^## BITS conformance: ❌ non-conformant\n/);
    expect(md).toContain('| 7 | 1 | 5 | 0 | 0 | 0 | 1 |');
    expect(md).toContain('| APP-CONTEXT | MUST | 404-406, 410 | 4 | `app/404/mirror/upload`: expected context 7 (REMOTE_APPLICATION) after the final Ack, observed 5 |');
    expect(md).toContain('| APP-403-NOREPOST | MUST | 403 | 1 |');
    expect(md).toContain('- `app/500/mirror/upload`: client error: resume() threw');
    expect(md).toContain('Replay one case: `npm start -- --client crafted.ts --case app/403/mirror/upload`');
  });

  test('a run with accepted failures is partial, and says why next to the verdict', () => {
    const report = applyExpectedFailures(
      makeReport([makeRecord({ status: 200 }), makeRecord({ status: 404, verdict: 'fail' })]),
      { file: '/x/e.json', sha256: '0'.repeat(64), entries: [{ rule: 'APP-CONTEXT', reason: 'r', link: 'https://example.org/1', expires: '2999-01-01' }, { case: 'app/200/mirror/upload', reason: 'old', link: 'https://example.org/2', expires: '2000-01-01' }] },
      new Date('2026-05-01'),
    );
    const md = toMarkdownSummary(report);
    expect(md).toMatch(/^## BITS conformance: ◐ partial: no failure in the 2 cases that ran, not a conformance verdict \(1 failure accepted as expected \(--expect-fail\)\)\n/);
    expect(md).toContain('> **Partial run: not a conformance verdict.**');
    expect(md).not.toContain('✅');
    expect(md).toContain('1 failure is accepted by the expected-failures list');
    expect(md).toContain('⚠️ expected failure for case app/200/mirror/upload expired on 2000-01-01');
  });

  test('table cells survive pipes, markup and line breaks in messages', () => {
    const md = toMarkdownSummary(makeReport([makeRecord({ verdict: 'fail', failures: [{ rule: 'APP-CONTEXT', message: 'a | b\n<script>x</script>' }] })]));
    const row = md.split('\n').find((l) => l.startsWith('| APP-CONTEXT'))!;
    expect(row).toContain('a \\| b &lt;script&gt;x&lt;/script&gt;');
    expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
  });
});
