// Component and core unit tests in Debian's Chromium, driven by Playwright. Never downloads a browser.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium.mjs';

export default {
  nodeResolve: true,
  concurrency: 2,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 300000,
  // Two groups (run both by default; `--group core` or `--group components` for one).
  groups: [
    { name: 'core', files: 'test/core/**/*.test.ts' },
    { name: 'components', files: 'test/components/**/*.test.ts' },
  ],
};
