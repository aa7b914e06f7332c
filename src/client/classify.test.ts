import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyApplicationStatus, httpErrorCode, type StatusClass } from './index.js';

describe('classifyApplicationStatus', () => {
  // The codes where a plausible but wrong table differs from [HSAE].
  const discriminating: Array<[number, StatusClass]> = [
    [100, 'transient'],
    [200, 'success'],
    [201, 'transient'],
    [204, 'transient'],
    [300, 'fatal'],
    [305, 'fatal'],
    [306, 'transient'],
    [307, 'fatal'],
    [308, 'transient'],
    [403, 'fatal'],
    [408, 'transient'],
    [409, 'transient'],
    [429, 'fatal'],
    [449, 'fatal'],
    [500, 'transient'],
    [501, 'fatal'],
    [503, 'transient'],
    [505, 'fatal'],
    [506, 'transient'],
    [599, 'transient'],
  ];

  it.each(discriminating)('classes %i as %s', (status, expected) => {
    expect(classifyApplicationStatus(status)).toBe(expected);
  });

  it('agrees with the hand-written fixture for every status 100..599', () => {
    // fixtures/expected-classes.json is written out by hand from the spec; the client's table is too.
    const fixture = JSON.parse(readFileSync(new URL('../../fixtures/expected-classes.json', import.meta.url), 'utf8')) as {
      classes: Record<string, StatusClass>;
    };
    const mismatches: string[] = [];
    for (let status = 100; status <= 599; status += 1) {
      const got = classifyApplicationStatus(status);
      if (got !== fixture.classes[String(status)]) mismatches.push(`${status}: ${got} != ${fixture.classes[String(status)]}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('counts 1 success, 107 fatal, 392 transient over 100..599', () => {
    const counts: Record<StatusClass, number> = { success: 0, transient: 0, fatal: 0 };
    for (let status = 100; status <= 599; status += 1) counts[classifyApplicationStatus(status)] += 1;
    expect(counts).toEqual({ success: 1, fatal: 107, transient: 392 });
  });
});

describe('httpErrorCode', () => {
  it('is 0x80190000 + status, unsigned', () => {
    expect(httpErrorCode(403)).toBe(0x80190193);
    expect(httpErrorCode(449)).toBe(0x801901c1);
    expect(httpErrorCode(100)).toBe(0x80190064);
  });
});
