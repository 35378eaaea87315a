// Debian's Chromium, never a downloaded browser: the one place its path and flags are set, for
// @web/test-runner (web-test-runner.config.mjs) and the Playwright end-to-end tests alike.
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
