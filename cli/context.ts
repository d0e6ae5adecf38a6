// What a subcommand may touch: output streams, whether stdout is a terminal,
// and the exit code it sets. Tests pass their own.

export interface CommandContext {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Colour and in-place updates only on a terminal. */
  readonly isTTY: boolean;
  exitCode: number;
}

/** Exit codes shared by every subcommand. */
export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;
