import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by triggers-service at /console (embedded from
// dist/, see triggers-service/src/http/console.rs). The build must be
// deterministic: scripts/build-console.sh --check rebuilds it and compares
// with the committed dist/.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No data: URIs or inline anything: the page's CSP is default-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev`: the API of a local `triggers-service serve`.
    proxy: { '/v1': process.env.TRIGGERS_API ?? 'http://127.0.0.1:8080' },
  },
});
