// [MC-BUP] The wire beyond the application's status, one scenario module per concern
// (src/harness/scenarios/): where the next fragment starts (offsets.ts), the session and the answers that
// steer it (sessions.ts), a connection that breaks (transport.ts), ending a session (close-cancel.ts),
// the server's own errors (server-errors.ts). Each scenario quotes the requirement it checks.
// The invariants (src/harness/judge/invariants.ts, wire.ts) are checked on every case of every suite.
import { scenarioCases } from '../src/harness/cases.js';
import { PROTOCOL_SCENARIOS } from '../src/harness/scenarios/index.js';
import { conformanceSuite } from '../src/harness/suite.js';

await conformanceSuite((profile) => scenarioCases(profile, PROTOCOL_SCENARIOS.map((s) => s.name)));
