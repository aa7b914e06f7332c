// [MC-BUP] The wire, beyond the application's status: resuming from BITS-Received-Content-Range after a
// 416, an Ack behind, a dropped connection (PKT-RESUME-OFFSET, TRANSPORT-FAULT); a new session after
// session-not-found (PKT-SESSION-RESTART); smaller fragments after 413 (PKT-SHRINK, SHOULD);
// Close-Session and Cancel-Session re-sent on 5xx only (PKT-CLOSE-RETRY); the server's own errors
// reported with context 5 (ERR-CONTEXT-SERVER); a missing BITS-Reply-URL (PKT-REPLY).
// PKT-CREATE, PKT-SESSION, PKT-RANGE and PKT-RESUME-OFFSET are also checked on every case of every suite.
import { scenarioCases } from '../src/harness/cases.js';
import { SCENARIOS } from '../src/harness/scenarios.js';
import { conformanceSuite } from '../src/harness/suite.js';

const protocol = SCENARIOS.filter((s) => !s.rules.some((r) => r.startsWith('TIMING-'))).map((s) => s.name);
await conformanceSuite((timing) => scenarioCases(timing, protocol));
