/**
 * Headers sent by every server that hosts Glasswing (dev, preview, tests, bench).
 * COOP + COEP give cross-origin isolation, so wasm threads and SharedArrayBuffer work.
 * The CSP is the one we ship; each source beyond 'self' is there for a documented reason:
 * - script-src 'wasm-unsafe-eval': compiling tfjs-backend-wasm's .wasm module.
 * - worker-src blob: tfjs-backend-wasm starts its pthreads from a Blob URL.
 * - script-src blob: each of those pthread workers then importScripts() the wasm glue, which
 *   tfjs also hands over as a Blob URL (measured: without it every thread fails to load).
 *   Blob URLs can only be minted by this origin's own scripts.
 * - style-src 'unsafe-inline': Svelte writes dynamic style attributes (no script can run from it).
 * - img-src data: blob: PNG export previews and canvas snapshots.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
