// Records the targetOrigin of every postMessage the component page sends its parent, from inside the
// page's own realm. The test server puts this script first in the page's <head> (see
// web-test-runner.config.mjs), so it runs before the page's module. It wraps `parent.postMessage`
// with a function of the component's realm: the message keeps its real `source` (the realm of the
// calling script decides it) and a host that routes messages by source still works. Several
// component frames chain their wrappers; each forwards its own messages straight to the built-in.
(() => {
  if (window.parent === window) return;
  const targets = (window.__postTargets = []);
  try {
    const parent = window.parent;
    const previous = parent.postMessage;
    const builtin = previous.__builtin || previous;
    const mine = Object.prototype;
    const wrapper = function (message, targetOrigin, transfer) {
      if (message !== null && typeof message === 'object' && Object.getPrototypeOf(message) === mine) {
        targets.push(typeof targetOrigin === 'string' ? targetOrigin : String(targetOrigin && targetOrigin.targetOrigin));
        return builtin.call(parent, message, targetOrigin, transfer);
      }
      return previous.call(parent, message, targetOrigin, transfer);
    };
    wrapper.__builtin = builtin;
    parent.postMessage = wrapper;
  } catch {
    // a parent on another origin: nothing to wrap
  }
})();
