// `rules <status>`: the class, the rule behind it and what the client must do, from the rule table.
import { describe, expect, test } from 'vitest';
import { explainStatus, ruleTableLines, statusLines } from './rules-command.js';
import { ruleTable } from '../rules/index.js';

describe('rules <status>', () => {
  test('449 is still fatal, whatever WinHTTP calls it', () => {
    const e = explainStatus(449);
    expect(e).toMatchObject({ class: 'fatal', classifyingRule: 'APP-4XX', exception: false, winhttpName: 'HTTP_STATUS_RETRY_WITH', error: { context: 7, code: '0x801901C1' }, repostAllowed: true });
    const text = statusLines(e, 'npx bits-conformance').join('\n');
    expect(text).toContain('449 (HTTP_STATUS_RETRY_WITH): fatal');
    expect(text).toContain('WinHTTP names it HTTP_STATUS_RETRY_WITH, but it is still fatal: a BITS client goes by APP-4XX, not by the name.');
    expect(text).toContain('449 is not one of its exceptions (408, 409), so it is fatal.');
    expect(text).toContain('[FATAL-RESUME]');
    expect(text).toContain('run one: npx bits-conformance run --client <your adapter> --case app/449/mirror/upload');
  });

  test('408 is an exception of APP-4XX: transient, retried after MinimumRetryDelay', () => {
    const e = explainStatus(408);
    expect(e).toMatchObject({ class: 'transient', exception: true });
    expect(e.must.map((m) => m.rule)).toEqual(expect.arrayContaining(['JOB-TRANSIENT', 'TRANSIENT-RETRY']));
    expect(statusLines(e, 'x').join('\n')).toContain('408 is one of its exceptions, so it is transient.');
  });

  test('403 forbids any new post; 200 is success; a 1xx names its relay rule; unnamed codes use ERR-CODE-ALL', () => {
    expect(explainStatus(403)).toMatchObject({ class: 'fatal', repostAllowed: false });
    expect(explainStatus(403).must.map((m) => m.rule)).toContain('NOREPOST-SCOPE');
    expect(explainStatus(200)).toMatchObject({ class: 'success', error: null });
    expect(statusLines(explainStatus(150), 'x').join('\n')).toContain('note RELAY-1XX: ');
    expect(explainStatus(599).must.find((m) => m.rule === 'ERR-CODE')?.text).toContain('ERR-CODE-ALL');
  });

  test('every rule of the table is listed', () => {
    const text = ruleTableLines().join('\n');
    for (const r of ruleTable.rules) expect(text).toContain(r.id);
  });
});
