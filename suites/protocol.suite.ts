// [MC-BUP] The wire beyond the application's status, one scenario module per concern
// (src/harness/scenarios/): where the next fragment starts (offsets.ts), the session and the answers that
// steer it (sessions.ts), a connection that breaks (transport.ts), ending a session (close-cancel.ts),
// the server's own errors (server-errors.ts). Each scenario quotes the requirement it checks.
// The invariants (src/harness/judge/invariants.ts, wire.ts) are checked on every case of every suite.
import { conformanceSuite } from '../src/harness/suite.js';
import { SUITE_FILES } from '../src/harness/suite-files.js';

// The cases of this file are SUITE_FILES['protocol'] (src/harness/suite-files.ts).
await conformanceSuite(SUITE_FILES['protocol']);
