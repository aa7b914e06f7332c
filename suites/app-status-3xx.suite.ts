// [HSAE] APP-3XX: 3xx are transient, except 300, 301, 302, 303, 304, 305 and 307, which are fatal.
// Every status 300-399, in each relay form and job type: the application answers the status, then 200.
import { statusMatrixCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => statusMatrixCases({ from: 300, to: 399, timing: timing.matrix }));
