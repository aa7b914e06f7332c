// TRANSIENT-RETRY: with the application failing every time the client keeps retrying, spaced by at
// least MinimumRetryDelay, until NoProgressTimeout; then ERROR with the last error (JOB-NPT).
// In-process, one more case runs the Windows defaults, 600 s and 14 days, under virtual time.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['retry-until-npt'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['retry-until-npt']);
