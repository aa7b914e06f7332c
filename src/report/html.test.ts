// conformance.html as text: the grids are there before any script runs, the data parses back, and
// nothing in the data can break out of its script element or reach the network.
import { describe, expect, test } from 'vitest';
import { embeddedReport, toHtml, type EmbeddedReport } from './html.js';
import { makeRecord, makeReport } from './test-support.js';

function dataOf(html: string): EmbeddedReport {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as EmbeddedReport;
}

const blocks = (html: string): string[] => html.split('<section class="grid-block"').slice(1);

describe('HTML report', () => {
  test('one grid of 500 codes per relay form and job type, cells coloured by verdict', () => {
    const report = makeReport([
      makeRecord({ status: 200 }),
      makeRecord({ status: 404, verdict: 'fail' }),
      makeRecord({ status: 404, relay: 'alt-header' }),
      makeRecord({ status: 404, jobType: 'upload-reply', verdict: 'unsupported' }),
    ]);
    const html = toHtml(report);
    const grids = blocks(html);
    expect(grids).toHaveLength(3);
    for (const grid of grids) expect(grid.match(/class="cell /g)).toHaveLength(500);
    // One cell, found by its code; matched, not searched for, to keep failure output short.
    const cell = (grid: string, code: number): string | undefined => new RegExp(`<button [^>]*title="${code}[ :][^"]*"[^>]*>`).exec(grid)?.[0];
    expect(/<h2>([^<]*)/.exec(grids[0]!)?.[1]).toBe('upload job, mirror relay (BITS-Error-Code)');
    expect(cell(grids[0]!, 404)).toBe('<button type="button" class="cell v-fail" data-i="2" title="404 Not Found: fail [APP-CONTEXT]">');
    expect(cell(grids[0]!, 200)).toBe('<button type="button" class="cell v-pass" data-i="0" title="200 OK: pass">');
    expect(cell(grids[0]!, 599)).toBe('<button type="button" class="cell v-none" aria-disabled="true" title="599: not in this report">');
    expect(cell(grids[2]!, 404)).toMatch(/class="cell v-unsupported"/);
    expect(/<p class="verdict [^"]*">[^<]*<\/p>/.exec(html)?.[0]).toBe('<p class="verdict r-non-conformant">non-conformant</p>');
  });

  test('the data holds every case with its rules, failures, replay command and transcript', () => {
    const report = makeReport([makeRecord({ status: 404, verdict: 'fail' }), makeRecord({ status: 200 })]);
    const data = dataOf(toHtml(report));
    expect(data.cases.map((c) => c.id)).toEqual(report.cases.map((c) => c.id));
    const c = data.cases.find((x) => x.id === 'app/404/mirror/upload')!;
    expect(data.replayPrefix + c.rp).toBe(report.cases.find((x) => x.id === c.id)!.replay);
    expect(c.f).toEqual([['APP-CONTEXT', 'expected context 7 (REMOTE_APPLICATION) after the final Ack, observed 5']]);
    expect(data.rules['APP-CONTEXT']!.statement).toMatch(/BG_ERROR_CONTEXT_REMOTE_APPLICATION/);
    expect(c.tr[3]!.slice(0, 11)).toEqual([4, 0, 'Fragment', 404, '4096-5999/6000', 1904, '0x80190194', 7, null, 1, 404]);
    expect(embeddedReport(report).cases).toHaveLength(2);
  });

  test("a case's transport notes travel to the page's data; a case without any carries none", () => {
    const note = "the client's fetch turned the 407 answer to BITS_POST /upload/case.bin (Fragment) into a network error";
    const report = makeReport([{ ...makeRecord({ status: 407, verdict: 'fail' }), transportNotes: [note] }, makeRecord({ status: 200 })]);
    const data = dataOf(toHtml(report));
    expect(Object.fromEntries(data.cases.map((c) => [c.id, c.tn]))).toEqual({ 'app/407/mirror/upload': [note], 'app/200/mirror/upload': undefined });
  });

  test('self-contained: no external resource, a CSP that forbids the network, nothing can close the data script', () => {
    const evil = '</script><script>alert(1)</script><!--';
    const report = makeReport([makeRecord({ verdict: 'fail', failures: [{ rule: 'APP-CONTEXT', message: evil }] })], { clientName: evil });
    const html = toHtml(report);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<(script|img|iframe)[^>]+src=|<link[^>]+href=|@import|url\(/i);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data's and the app's, nothing injected
    expect(dataOf(html).cases[0]!.f[0]![1]).toBe(evil);
    expect(html.includes('<dd>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- 1.0.0 (in-process, upload-reply)</dd>')).toBe(true);
  });
});
