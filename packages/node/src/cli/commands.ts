// The table of `seashell` subcommands.
import type { Command } from './command.ts';

export const commands: Record<string, Command> = {};
