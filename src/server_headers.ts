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
 * - img-src data: blob: PNG export previews and canvas snapshots; exports rasterise their SVG
 *   through a Blob URL, and a scatter of > 50k cells embeds its points as a data: PNG.
 * - worker-src 'self' also covers the service worker (public/sw.js), which serves the cached build
 *   offline and puts these same headers on every response it serves, so the page stays
 *   cross-origin isolated (and under this CSP) with the network off.
 * - connect-src 'self': fetch/XHR/WebSocket only to this origin (models, demo data, GRNs).
 * - object-src 'none', base-uri 'self', form-action 'none', frame-ancestors 'none': no plugins, no
 *   <base> hijack, no form posts anywhere, and no framing by another site.
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
