// [HSAE] APP-4XX: 4xx are fatal, except 408 and 409, which are transient. APP-403-NOREPOST: after 403 the file is never posted again.
// Every status 400-499, in each relay form and job type: the application answers the status, then 200.
import { statusMatrixCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => statusMatrixCases({ from: 400, to: 499, timing: timing.matrix }));
