import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

// Component tests in jsdom. Those that talk to the service read
// TRIGGERS_TEST_BASE_URL and TRIGGERS_TEST_ADMIN_KEY: run them through
// ../scripts/with-service.sh (console/test.sh does).
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      setupFiles: ['test/setup.ts'],
      include: ['test/**/*.test.{ts,tsx}'],
      // One service for every file: files run one after another, and tests
      // never depend on what the account holds beyond what they created.
      fileParallelism: false,
      testTimeout: 30_000,
    },
  }),
);
