// [HSAE] APP-5XX: 5xx are transient, except 501 and 505, which are fatal.
// Every status 500-599, in each relay form, for upload-reply jobs: the application answers the status, then 200.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['app-status-5xx-upload-reply'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['app-status-5xx-upload-reply']);
