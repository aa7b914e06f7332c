import { describe, expect, test } from 'vitest';
import {
  formatContentRange,
  formatHresult,
  httpStatusOfHresult,
  offersBitsProtocol,
  parseContentRange,
  parseHresult,
  parsePacketType,
  parseReceivedRange,
  readWireError,
} from './index.js';

describe('MC-BUP vocabulary', () => {
  test('packet types compare case-insensitively', () => {
    expect(parsePacketType('CREATE-SESSION')).toBe('Create-Session');
    expect(parsePacketType(' fragment ')).toBe('Fragment');
    expect(parsePacketType('Fragments')).toBeUndefined();
    expect(parsePacketType(null)).toBeUndefined();
  });

  test('BITS-Supported-Protocols is a space or comma separated list', () => {
    expect(offersBitsProtocol('{7DF0354D-249B-430F-820D-3D2A9BEF4931}')).toBe(true);
    expect(offersBitsProtocol('{00000000-0000-0000-0000-000000000000}, {7df0354d-249b-430f-820d-3d2a9bef4931}')).toBe(true);
    expect(offersBitsProtocol('{00000000-0000-0000-0000-000000000000}')).toBe(false);
    expect(offersBitsProtocol(undefined)).toBe(false);
  });

  test('Content-Range: bytes a-b/total, a <= b < total', () => {
    expect(parseContentRange('bytes 0-4095/6000')).toEqual({ first: 0, last: 4095, total: 6000 });
    expect(formatContentRange({ first: 4096, last: 5999, total: 6000 })).toBe('bytes 4096-5999/6000');
    for (const bad of ['bytes 5-4/10', 'bytes 0-10/10', 'bytes=0-1/2', 'bytes 0-1/*', '0-1/2', '']) {
      expect(parseContentRange(bad), bad).toBeUndefined();
    }
  });

  test('BITS-Received-Content-Range is one offset', () => {
    expect(parseReceivedRange('4096')).toBe(4096);
    expect(parseReceivedRange('0-4095')).toBeUndefined();
    expect(parseReceivedRange(null)).toBeUndefined();
  });

  test('HRESULTs parse with or without 0x, in any case, as unsigned', () => {
    expect(parseHresult('0x80190193')).toBe(0x80190193);
    expect(parseHresult('8020001f')).toBe(0x8020001f);
    expect(parseHresult('0X7')).toBe(7);
    expect(parseHresult('0x1234567890')).toBeUndefined();
    expect(parseHresult('zz')).toBeUndefined();
    expect(formatHresult(0x80190193)).toBe('0x80190193');
    expect(formatHresult(0x5)).toBe('0x00000005');
  });

  test('an error is read from BITS-Error-Code or BITS-Error', () => {
    expect(readWireError(new Headers({ 'BITS-Error-Code': '0x80190193', 'BITS-Error-Context': '0x7' }))).toEqual({ code: 0x80190193, context: 7 });
    expect(readWireError(new Headers({ 'BITS-Error': '0x801901F5', 'BITS-Error-Context': '0x7' }))).toEqual({ code: 0x801901f5, context: 7 });
    expect(readWireError(new Headers())).toEqual({});
  });

  test('the HTTP status inside an HRESULT of facility HTTP', () => {
    expect(httpStatusOfHresult(0x80190064)).toBe(100);
    expect(httpStatusOfHresult(0x8020001f)).toBeUndefined();
  });
});
