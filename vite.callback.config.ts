// The standalone OIDC callback page (src/callback/oidc-callback.html and its tiny script), for apps
// whose own pages are heavy and for Streamlit: dist/oidc-callback.html + dist/oidc-callback.js. Built
// apart from the script-tag bundle so that nothing of it can enter dist/auth-elements.js (and no chunk
// is shared between them). Relative URLs: it works wherever dist/ is served.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('src/callback'),
  base: './',
  publicDir: false,
  build: {
    outDir: here('dist'),
    emptyOutDir: false,
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: false,
    modulePreload: false,
    rollupOptions: {
      input: { 'oidc-callback': here('src/callback/oidc-callback.html') },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
