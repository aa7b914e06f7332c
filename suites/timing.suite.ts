// [NPT] [MRD] Job timing: NoProgressTimeout 0 makes every error fatal (TIMING-NPT-ZERO); a retry delay
// longer than the no-progress timeout means no retry (TIMING-DELAY-OVER-NPT); progress restarts the
// no-progress timer (TIMING-PROGRESS-RESETS).
import { scenarioCases } from '../src/harness/cases.js';
import { SCENARIOS } from '../src/harness/scenarios.js';
import { conformanceSuite } from '../src/harness/suite.js';

const timing = SCENARIOS.filter((s) => s.rules.some((r) => r.startsWith('TIMING-'))).map((s) => s.name);
await conformanceSuite((profile) => scenarioCases(profile, timing));
