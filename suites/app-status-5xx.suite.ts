// [HSAE] APP-5XX: 5xx are transient, except 501 and 505, which are fatal.
// Every status 500-599, in each relay form and job type: the application answers the status, then 200.
import { statusMatrixCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => statusMatrixCases({ from: 500, to: 599, timing: timing.matrix }));
