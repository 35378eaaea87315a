/**
 * The script-tag bundle: defines every element and exports the core API, so a page without a
 * bundler can also `import { AuthClient, JwtApiBackend } from '.../auth-elements.js'`.
 */
export * from './core/index.js';
export * from './components/index.js';
