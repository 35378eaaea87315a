// Component and core unit tests in Debian's Chromium, driven by Playwright. Never downloads a browser.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default {
  nodeResolve: true,
  concurrency: 2,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
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
