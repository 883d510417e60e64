// What a `seashell` subcommand provides. run() parses its own arguments (--help included, so a
// remote command's own --help stays the remote command's) and resolves the process exit code.
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
