// The table of `seashell` subcommands.
import type { Command } from './command.ts';
import { keygen } from './keygen.ts';
import { fingerprint } from './fingerprint.ts';
import { exec } from './exec.ts';
import { serve } from './serve.ts';
import { ssh } from './ssh.ts';

export const commands: Record<string, Command> = { exec, serve, keygen, fingerprint, ssh };
