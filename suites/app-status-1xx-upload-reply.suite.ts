// [HSAE] APP-OTHER: Every other code is transient: all of 100-199 (relayed as Ack 500, RELAY-1XX).
// Every status 100-199, in each relay form, for upload-reply jobs: the application answers the status, then 200.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['app-status-1xx-upload-reply'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['app-status-1xx-upload-reply']);
