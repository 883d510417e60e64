#!/usr/bin/env node
// `seashell`: the command line (exec, serve, keygen, fingerprint). Each subcommand lives in
// cli/<name>.ts and exports its usage text and a run function returning the exit code.
import { UsageError } from './cli/args.ts';
import { commands } from './cli/commands.ts';

const HELP = `seashell - SSH client and server in TypeScript

usage: seashell <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run "seashell <command> --help" for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) {
      process.stdout.write(commands[topic].usage);
      return 0;
    }
    (name === undefined ? process.stderr : process.stdout).write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write('seashell 0.1.0\n');
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`seashell: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`seashell ${name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`seashell ${name}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    if (process.env.SEASHELL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** Exits once stdout and stderr have taken everything (stdin or a lingering socket must not keep us alive). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (e) => {
  process.stderr.write(`seashell: ${(e as Error).stack ?? e}\n`);
  exit(1);
});
