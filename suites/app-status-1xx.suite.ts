// [HSAE] APP-OTHER: Every other code is transient: all of 100-199 (relayed as Ack 500, RELAY-1XX).
// Every status 100-199, in each relay form and job type: the application answers the status, then 200.
import { statusMatrixCases } from '../src/harness/cases.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((timing) => statusMatrixCases({ from: 100, to: 199, timing: timing.matrix }));
