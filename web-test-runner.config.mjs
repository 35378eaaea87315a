// Component and core unit tests in Debian's Chromium, driven by Playwright. Never downloads a browser.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium.mjs';
import { streamlitRoute } from './test/streamlit/route-middleware.mjs';

export default {
  nodeResolve: true,
  concurrency: 2,
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    {
      // The Streamlit tests record the component page's postMessage target origins from inside the
      // page: the recorder runs first in its <head> (test/streamlit/recorder.js). Only that page.
      name: 'streamlit-post-recorder',
      transform(context) {
        if (context.path === '/src/streamlit/index.html') {
          return { body: context.body.replace('<head>', '<head><script src="/test/streamlit/recorder.js"></script>') };
        }
        return undefined;
      },
    },
  ],
  // The Streamlit tests' stand-in for the Python package's ASGI routes (/__st-route/… only).
  middleware: [streamlitRoute],
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
  // Three groups (run all by default; `--group core`, `--group components` or `--group streamlit` for one).
  groups: [
    { name: 'core', files: 'test/core/**/*.test.ts' },
    { name: 'components', files: 'test/components/**/*.test.ts' },
    // The component page in iframes of a fake Streamlit host (test/streamlit/host.ts).
    { name: 'streamlit', files: 'test/streamlit/**/*.test.ts' },
  ],
};
