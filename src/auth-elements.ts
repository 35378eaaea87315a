/**
 * The script-tag bundle: defines the elements and exports the core API, so a page without a
 * bundler can also `import { AuthClient, JwtApiBackend } from '.../auth-elements.js'`. The account
 * forms (register, reset password, forgot, update details) are defined when their tag first appears
 * (components/autoload.ts); their classes come from `customElements.whenDefined(tag)`.
 *
 * The elements come first: the bundle then starts with Lit, and the core sits next to the elements,
 * whose code shares most of its words (states, error codes, messages), within gzip's 32 KB window
 * (-80 B min+gzip against core first). Nothing here runs code of its own on import but the elements'
 * definitions, which need the core anyway, so the order changes nothing else.
 */
export * from './components/base.js';
export * from './core/index.js';
export { defineAccountElements } from './components/autoload.js';
