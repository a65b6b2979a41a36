import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cpSync, readFileSync } from 'node:fs';
import { SECURITY_HEADERS } from './src/server_headers.ts';
import { folderMiddleware } from './scripts/serve_static.ts';
import { serviceWorkerManifest } from './scripts/vite_service_worker.ts';

// Dev CSP must allow Vite's HMR websocket; everything else is the shipped policy.
const devHeaders = {
  ...SECURITY_HEADERS,
  'Content-Security-Policy': SECURITY_HEADERS['Content-Security-Policy'].replace(
    "connect-src 'self'",
    "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
  ),
};

/** Serves the top-level models/ folder at ./models/ in dev and copies it into the build. */
function bundledModels(): Plugin {
  let outDir = 'dist';
  return {
    name: 'glasswing-models',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    configureServer(server) {
      server.middlewares.use(folderMiddleware('/models/', 'models'));
    },
    closeBundle() {
      cpSync('models', `${outDir}/models`, { recursive: true, filter: (src) => !src.endsWith('.md') || src.endsWith('MODEL.md') });
    },
  };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  plugins: [svelte(), bundledModels(), serviceWorkerManifest()],
  base: './',
  server: { headers: devHeaders },
  preview: { headers: SECURITY_HEADERS, host: '127.0.0.1' },
  worker: { format: 'es' },
  // Pre-bundle every tfjs package together, so the dev server has one tfjs engine (not two copies of tfjs-core).
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'] },
  // No minification: tfjs-backend-wasm starts its threads from `factory.toString()`, and the
  // minifier moves names out of that function, so every wasm thread died with "e is not defined".
  build: { target: 'es2022', chunkSizeWarningLimit: 8000, minify: false },
});
