// [HSAE] APP-4XX: 4xx are fatal, except 408 and 409, which are transient. APP-403-NOREPOST: after 403 the file is never posted again.
// Every status 400-499, in each relay form, for upload-reply jobs: the application answers the status, then 200.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['app-status-4xx-upload-reply'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['app-status-4xx-upload-reply']);
