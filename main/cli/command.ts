/** A `cod` subcommand: a path of words (e.g. ['engine', 'grads']) and a handler over the remaining argv. */
export interface CliCommand {
  path: readonly string[];
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
