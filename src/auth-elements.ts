/**
 * The script-tag bundle: defines the elements and exports the core API, so a page without a
 * bundler can also `import { AuthClient, JwtApiBackend } from '.../auth-elements.js'`. The account
 * forms (register, reset password, forgot, update details) are defined when their tag first appears
 * (components/autoload.ts); their classes come from `customElements.whenDefined(tag)`.
 */
export * from './core/index.js';
export * from './components/base.js';
export { defineAccountElements } from './components/autoload.js';
