// The conformance cases Stryker runs against every mutant (vitest.mutation.config.ts): the status matrix
// at the statuses where a class, a relay form or a named error code changes (every boundary of the
// client's classification and of the rule table's ranges, in all four relay/job-type variants), the
// persistent failures with short timings and every protocol and timing scenario. The 14-day case is left
// out: it runs the same code as the short ones, about 2,000 times over, and would double the cost of
// every mutant that survives it. A status
// strictly inside a range is decided by the same comparisons as the range's ends, so it can only kill
// a mutant that one of these kills too; the subset costs about a tenth of the full matrix per mutant.
import { persistentFailureCases, scenarioCases, statusMatrixCases } from '../../src/harness/cases.js';
import { conformanceSuite } from '../../src/harness/suite.js';

export const BOUNDARY_STATUSES = [
  100, 101, 102, 150, 199, 200, 201, 204, 206, 207, 299, 300, 301, 304, 305, 306, 307, 308, 399, 400, 401, 403, 404, 407, 408, 409,
  410, 413, 416, 417, 418, 429, 448, 449, 450, 499, 500, 501, 502, 504, 505, 506, 599,
] as const;

await conformanceSuite((profile) => [
  ...BOUNDARY_STATUSES.flatMap((s) => statusMatrixCases({ from: s, to: s, timing: profile.matrix })),
  ...persistentFailureCases(profile).filter((c) => !c.id.endsWith('/windows-defaults')),
  ...scenarioCases(profile),
]);
