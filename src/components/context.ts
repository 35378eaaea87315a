import { createContext } from '@lit/context';
import type { AuthClient } from '../core/index.js';

/**
 * The one context key of the kit. `Symbol.for` keeps it equal across copies of the package on one
 * page (a bundle and an npm build), so any `<auth-provider>` serves any element.
 */
export const authClientContext = createContext<AuthClient | undefined>(Symbol.for('auth-elements/client'));
