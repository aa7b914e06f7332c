// [MRD] [NPT] [RES] Job timing (src/harness/scenarios/timing.ts): resume() retries at once and starts
// again at Ping; NoProgressTimeout 0 makes every error fatal; a retry delay longer than the no-progress
// timeout means no retry; progress restarts the no-progress timer.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['timing'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['timing']);
