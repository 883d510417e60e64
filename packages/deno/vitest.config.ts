import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.ts';

// Tests run against @seashell/core's sources, so a change there needs no build first.
export default defineConfig({
  ...shared,
  resolve: { alias: { '@seashell/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) } },
});
