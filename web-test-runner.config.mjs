// Component and core unit tests in Debian's Chromium, driven by Playwright. Never downloads a browser.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium.mjs';
import { recordPostTargets } from './test/streamlit/recorder.mjs';
import { streamlitRoute } from './test/streamlit/route-middleware.mjs';

const launchOptions = { executablePath: chromiumPath, headless: true, args: chromiumArgs };

export default {
  nodeResolve: true,
  concurrency: 2,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  // The Streamlit tests' stand-in for the Python package's ASGI routes (/__st-route/… only).
  middleware: [streamlitRoute],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions })],
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 300000,
  // Three groups (run all by default; `--group core`, `--group components` or `--group streamlit` for one).
  groups: [
    { name: 'core', files: 'test/core/**/*.test.ts' },
    { name: 'components', files: 'test/components/**/*.test.ts' },
    {
      // The component page in an iframe of a fake Streamlit host; its postMessage target origins are
      // recorded from inside the page (test/streamlit/recorder.mjs).
      name: 'streamlit',
      files: 'test/streamlit/**/*.test.ts',
      browsers: [
        playwrightLauncher({
          product: 'chromium',
          launchOptions,
          createBrowserContext: async ({ browser }) => {
            const context = await browser.newContext();
            await context.addInitScript(recordPostTargets);
            return context;
          },
        }),
      ],
    },
  ],
};
