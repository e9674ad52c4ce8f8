/**
 * The exit codes of every CLI of the product (docs/decisions/040-one-command-line-convention.md):
 * 0 done, 1 the work failed (refused by the server, a rejected file, an unreachable server),
 * 2 the command line is wrong (unknown command or option, a missing argument, a file it names
 * that cannot be read).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line is wrong: the message says what and the CLI exits 2 after a usage hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The work failed for a reason the user can act on: printed as one line, exit 1. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}
