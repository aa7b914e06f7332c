// [HSAE] APP-SUCCESS: Only 200 means the application processed the file. APP-OTHER: 201-299 are transient.
// Every status 200-299, in each relay form and job type: the application answers the status, then 200.
import { statusMatrixCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => statusMatrixCases({ from: 200, to: 299, timing: timing.matrix }));
