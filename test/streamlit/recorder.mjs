// Records the targetOrigin of every postMessage the component page sends its parent, from inside the
// page's own realm: a Playwright init script (runs in each new document before its scripts) wraps
// `parent.postMessage` with a function of the component's realm, so the message keeps its real
// `source` (the incumbent realm decides it) and Streamlit's check on it still holds. Several
// component frames chain their wrappers; each forwards its own messages straight to the built-in.
export const recordPostTargets = `(() => {
  if (!location.pathname.endsWith('/src/streamlit/index.html') || window.parent === window) return;
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
})();`;
