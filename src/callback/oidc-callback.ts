// The standalone OIDC callback page's script (dist/oidc-callback.html): hands a popup's or a hidden
// iframe's callback to the page that waits for it, and nothing else. No Lit, no jose, no backend: the
// code is exchanged by the waiting page. A redirect callback (or none) is not for this page: it keeps
// showing "You can close this window."
import { answerOpener } from '../core/oidc-window.js';

answerOpener();
