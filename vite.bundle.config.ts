// The script-tag bundle: one minified ES module with Lit, @lit/context and jose inside, that defines
// every element. `<script type="module" src=".../auth-elements.js">` is all a page needs.
// Built as an app entry, not in lib mode: Vite's lib mode keeps whitespace in ES output.
import { defineConfig } from 'vite';
import { compactCssPlugin } from './scripts/vite-compact-css.js';
import { plainImportPlugin } from './scripts/vite-plain-import.js';

export default defineConfig({
  plugins: [compactCssPlugin(), plainImportPlugin()],
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: true,
    modulePreload: false,
    rollupOptions: {
      input: { 'auth-elements': 'src/auth-elements.ts' },
      preserveEntrySignatures: 'allow-extension',
      output: { format: 'es', entryFileNames: '[name].js', inlineDynamicImports: false, chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
