// npm entry points: `auth-elements/core` (no Lit) and `auth-elements` (the elements). Lit, @lit/context
// jose and oauth4webapi stay external so an app's bundler shares one copy with the rest of the app.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      entry: { core: 'src/core/index.ts', components: 'src/components/index.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^lit(\/|$)/, /^@lit\//, /^jose(\/|$)/, /^oauth4webapi(\/|$)/],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
