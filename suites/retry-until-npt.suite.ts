// TRANSIENT-RETRY: with the application failing every time the client keeps retrying, spaced by at
// least MinimumRetryDelay, until NoProgressTimeout; then ERROR with the last error (JOB-NPT).
// In-process, one more case runs the Windows defaults, 600 s and 14 days, under virtual time.
import { persistentFailureCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => persistentFailureCases(timing));
