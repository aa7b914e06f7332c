// [HSAE] APP-3XX: 3xx are transient, except 300, 301, 302, 303, 304, 305 and 307, which are fatal.
// Every status 300-399, in each relay form, for upload-reply jobs: the application answers the status, then 200.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['app-status-3xx-upload-reply'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['app-status-3xx-upload-reply']);
