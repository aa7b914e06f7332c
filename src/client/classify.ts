// The client's own status classification, written from the spec text ([HSAE], section 1 of
// docs/spec.md) and deliberately not derived from src/rules: the reference client is an
// independent implementation, so the suite's rule table and this table check each other.

export type StatusClass = 'success' | 'transient' | 'fatal';

/**
 * What BITS does after an HTTP status: only 200 is success; 3xx transient except 300-305 and 307;
 * 4xx fatal except 408 and 409; 5xx transient except 501 and 505; every other code (1xx, 201-299,
 * anything out of range) transient.
 */
export function classifyApplicationStatus(status: number): StatusClass {
  if (status === 200) return 'success';
  if (status >= 300 && status <= 399) return (status >= 300 && status <= 305) || status === 307 ? 'fatal' : 'transient';
  if (status >= 400 && status <= 499) return status === 408 || status === 409 ? 'transient' : 'fatal';
  if (status >= 500 && status <= 599) return status === 501 || status === 505 ? 'fatal' : 'transient';
  return 'transient';
}

/** BG_E_HTTP_ERROR_S = 0x80190000 + S (FACILITY_HTTP with the severity bit), unsigned. */
export function httpErrorCode(status: number): number {
  return (0x80190000 + (status & 0xffff)) >>> 0;
}
