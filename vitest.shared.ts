// Shared vitest settings: every package writes a JSON report that scripts/test.mjs sums up
// into one closing line ("N passed, N failed, N skipped").
import type { ViteUserConfig } from 'vitest/config';

export const shared: ViteUserConfig = {
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
};
