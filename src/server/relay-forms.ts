// The relay forms as data, apart from the Acks that use them (acks.ts, which needs msw): the case list
// names them, and the CLI builds that list before vitest starts, without loading msw.

/** How the final Fragment's Ack carries the application's outcome (spec section 5). */
export type RelayForm = 'mirror' | 'alt-header';
export const RELAY_FORMS: readonly RelayForm[] = ['mirror', 'alt-header'];
