// [MRD] [NPT] [RES] Job timing (src/harness/scenarios/timing.ts): resume() retries at once and starts
// again at Ping; NoProgressTimeout 0 makes every error fatal; a retry delay longer than the no-progress
// timeout means no retry; progress restarts the no-progress timer.
import { scenarioCases } from '../src/harness/cases.js';
import { TIMING_SCENARIOS } from '../src/harness/scenarios/index.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((profile) => scenarioCases(profile, TIMING_SCENARIOS.map((s) => s.name)));
