// The Streamlit component page (src/streamlit/index.html and its script), built into the Python
// package, which ships it in its wheel. Streamlit serves it under /component/<name>/, so every asset
// URL is relative. Git-ignored: `npm run build` makes it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compactCssPlugin } from './scripts/vite-compact-css.js';
import { plainImportPlugin } from './scripts/vite-plain-import.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [
    compactCssPlugin(),
    plainImportPlugin(),
    {
      // The page sets <auth-provider>'s client itself: the provider's backend factory (and with it the
      // JWT API backend) is left out. See src/streamlit/no-jwt-backend.ts.
      name: 'auth-elements:no-jwt-backend',
      enforce: 'pre',
      resolveId(source, importer) {
        if (source === './config.js' && importer === here('src/core/index.ts')) return here('src/streamlit/no-jwt-backend.ts');
        return null;
      },
    },
  ],
  root: here('src/streamlit'),
  base: './',
  publicDir: false,
  build: {
    outDir: here('python/src/streamlit_auth_elements/frontend'),
    emptyOutDir: true,
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: false,
    modulePreload: false,
    assetsInlineLimit: 0,
  },
});
