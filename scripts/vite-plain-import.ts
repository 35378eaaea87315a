// A build step of the minified bundles (script tag, Streamlit page): Vite wraps every dynamic
// `import()` of an app build in its preload helper, which would add `<link rel=modulepreload>`s for the
// chunk's own imports and the CSS files it needs, and on a failure dispatch `vite:preloadError` on the
// page's window. These bundles preload nothing (`build.modulePreload: false`, and no CSS file: the
// elements carry their CSS in their code), so the helper only ever did the last: it told the host page's
// own Vite error handler (e.g. a reload on a new deployment) about OUR chunks, and when that handler
// called preventDefault() the import resolved to undefined instead of failing (our loaders read its
// exports). With this the helper just calls the import (-0.5 KB min+gzip per bundle), so a failed chunk
// rejects like any `import()`, and every loader of ours handles that.
import type { Plugin } from 'vite';

/** Vite's id of the helper module (vite/src/node/plugins/importAnalysisBuild.ts). */
const HELPER = '\0vite/preload-helper.js';

export function plainImportPlugin(): Plugin {
  return {
    name: 'auth-elements:plain-import',
    enforce: 'pre',
    apply: 'build',
    resolveId(source) {
      return source === HELPER ? HELPER : null;
    },
    load(id) {
      return id === HELPER ? 'export const __vitePreload = (load) => load();' : null;
    },
    generateBundle(_options, bundle) {
      // A CSS file would be one the helper had to load before its chunk: not so with this helper.
      const css = Object.keys(bundle).filter((file) => file.endsWith('.css'));
      if (css.length) this.error(`plain-import: CSS files in the build (${css.join(', ')}) need Vite's preload helper`);
    },
  };
}
