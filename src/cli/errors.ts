/** A mistake in how the command was called: one line, the usage, and exit 2. */
export class UsageError extends Error {}
