// A server farm's host, apart from the handlers (which need msw): a scenario's judge names it too, and
// the scenarios are part of the case list the CLI builds before vitest starts.

/** The host a farm's Create-Session Ack names, for a base URL. */
export function farmHostFor(origin: string): string {
  const { hostname } = new URL(origin);
  return hostname === '127.0.0.1' ? 'localhost' : `farm-${hostname}`;
}
