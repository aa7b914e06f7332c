// [HSAE] APP-SUCCESS: Only 200 means the application processed the file. APP-OTHER: 201-299 are transient.
// Every status 200-299, in each relay form, for upload jobs: the application answers the status, then 200.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['app-status-2xx-upload'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['app-status-2xx-upload']);
