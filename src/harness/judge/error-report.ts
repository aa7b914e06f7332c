// The error a job reports (IBackgroundCopyError::GetError) against the one the rules expect: context and
// code apart, each under its own rule, and the relay rule the client may have missed where it shows.
import { BG_ERROR_CONTEXT, errorCodeFor, hasNamedErrorCode } from '../../rules/index.js';
import { formatHresult } from '../../protocol/index.js';
import type { ConformanceCase, ExpectedError } from '../cases.js';
import type { JobError } from '../contract.js';
import { showError } from '../format.js';
import { fail, type Failure } from './failure.js';

/** An application error reported after the final Ack (or when giving up): APP-CONTEXT, ERR-CODE(-ALL), relay rules. */
export function checkApplicationError(c: ConformanceCase, want: ExpectedError | null, actual: JobError | null | undefined, when: string, ackStatus?: number): Failure[] {
  if (!want) return actual ? [fail('APP-SUCCESS', `status 200 is success: expected no error ${when}, observed ${showError(actual)}`)] : [];
  if (!actual) return [fail('APP-CONTEXT', `expected error ${showError(want)} ${when}, observed none`)];
  const failures: Failure[] = [];
  if (actual.context !== want.context) {
    failures.push(fail('APP-CONTEXT', `expected context ${want.context} (REMOTE_APPLICATION) ${when}, observed ${actual.context}`));
    // The relay marks the status as the application's with BITS-Error-Context 0x7: the status read right
    // (its code) but taken for the server's own error (5) means that mark went unread. Where a status has a
    // fragment-level meaning, RELAY-PRECEDENCE names the same mistake.
    // A reported error always has a code, so it never equals an expected code that is absent.
    const statusRead = actual.code === want.code;
    if (c.relay === 'mirror' && statusRead && actual.context === BG_ERROR_CONTEXT.REMOTE_FILE && !c.rules.includes('RELAY-PRECEDENCE')) {
      failures.push(fail('RELAY-MIRROR', `${c.status} was relayed as the Ack's status with BITS-Error-Context 0x7 (the application's); the client reported it as the server's own error (context 5)`));
    }
  }
  if (want.code !== undefined && actual.code !== want.code) failures.push(...wrongCode(c, want.code, actual.code, when, ackStatus));
  return failures;
}

function wrongCode(c: ConformanceCase, want: number, actual: number, when: string, ackStatus: number | undefined): Failure[] {
  const failures = [fail(hasNamedErrorCode(c.status) ? 'ERR-CODE' : 'ERR-CODE-ALL', `expected code ${formatHresult(want)} (0x80190000 + ${c.status}) ${when}, observed ${formatHresult(actual)}`)];
  // Where the code had to be read from: a relayed 1xx arrives as Ack status 500.
  if (c.rules.includes('RELAY-1XX')) failures.push(fail('RELAY-1XX', `a relayed ${c.status} arrives as Ack status 500: the status must be read from the error code ${formatHresult(want)}`));
  // A code made from the Ack's own status means the BITS-Error header went unread.
  if (c.rules.includes('RELAY-ALT-HEADER') && ackStatus !== undefined && actual === errorCodeFor(ackStatus)) {
    failures.push(fail('RELAY-ALT-HEADER', `the code ${formatHresult(want)} was sent in the BITS-Error header (not BITS-Error-Code); the client reported the code of the Ack's status ${ackStatus}`));
  }
  return failures;
}

/** The error a job gives up with (ERROR after NoProgressTimeout, or at once): context and code apart. */
export function checkGivingUpError(want: ExpectedError | null, got: JobError | null): Failure[] {
  if (!want) return [];
  if (!got) return [fail('APP-CONTEXT', `expected error ${showError(want)} in ERROR, observed none`)];
  const out: Failure[] = [];
  if (got.context !== want.context) out.push(fail('APP-CONTEXT', `expected context ${want.context} in ERROR, observed ${got.context}`));
  if (want.code !== undefined && got.code !== want.code) out.push(fail('ERR-CODE', `expected code ${formatHresult(want.code)} in ERROR, observed ${formatHresult(got.code)}`));
  return out;
}
