export { BitsServerPool, createBitsServer, type BitsServer, type BitsServerOptions } from './handlers.js';
export { farmHostFor } from './farm.js';
export { ScriptedApplication, type ApplicationAnswer, type Notification, type ServerApplication } from './application.js';
export { Ledger, type LedgerEntry, type LedgerResponse } from './ledger.js';
export { errorHeaderFor } from './acks.js';
export { RELAY_FORMS, type RelayForm } from './relay-forms.js';
export { describeFault, FaultScript, type Fault, type FaultAction } from './faults.js';
export { noteRequestOrigin, requestOrigin, type RequestOrigin } from './origin.js';
export type { Session, SessionScope } from './sessions.js';
