// The script-tag bundle: one minified ES module with Lit, @lit/context and jose inside, that defines
// every element. `<script type="module" src=".../auth-elements.js">` is all a page needs.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: true,
    lib: { entry: { 'auth-elements': 'src/auth-elements.ts' }, formats: ['es'] },
    rollupOptions: { output: { inlineDynamicImports: true } },
  },
});
