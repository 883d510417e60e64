// The table of `seashell` subcommands.
import type { Command } from './command.ts';
import { keygen } from './keygen.ts';
import { fingerprint } from './fingerprint.ts';
import { exec } from './exec.ts';
import { serve } from './serve.ts';
import { get, put } from './transfer.ts';

export const commands: Record<string, Command> = { exec, serve, keygen, fingerprint, get, put };
