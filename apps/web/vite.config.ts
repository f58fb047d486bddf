import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const lib = (name: string) => fileURLToPath(new URL(`../../libs/${name}/src/index.ts`, import.meta.url));

/**
 * The staff UI. No React plugin: Oxc compiles TSX with the automatic runtime, which is all a
 * production build needs (no fast refresh in dev). The server serves dist/ at `/`.
 */
export default defineConfig({
  root: here,
  base: '/',
  resolve: {
    alias: {
      '@herald/client': lib('client'),
      '@herald/contracts': lib('contracts'),
    },
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite --config apps/web/vite.config.ts` during development, with Herald on :3000.
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/health': 'http://127.0.0.1:3000',
      '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
});
