/* global self, caches, fetch, Response, Headers, URL */
/**
 * Glasswing's service worker: after the first load the app works with the network off.
 * - The build writes MANIFEST below (scripts/vite_service_worker.ts): a build id and every file
 *   of the build (app shell, workers, wasm, bundled models, demo data, gene tables). Install
 *   precaches them all into a cache named after the build; activate deletes other builds'
 *   caches, so a new deployment is never hidden behind a stale one.
 * - Pages (navigations) are network-first, so an online reload always gets the newest build;
 *   everything else is served from the build's cache first (the files of one build never change).
 * - Responses it serves keep (or get) the same COOP/COEP/CORP and CSP headers the server sends,
 *   so the page stays cross-origin isolated offline (wasm threads need SharedArrayBuffer).
 * - It only ever handles same-origin GETs; it makes no request to any other origin.
 */
const MANIFEST = /*__GLASSWING_MANIFEST__*/ { build: 'dev', files: [], headers: {} };
const PREFIX = 'glasswing-';
const CACHE = PREFIX + MANIFEST.build;
const SCOPE = new URL(self.registration ? self.registration.scope : self.location.href);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One by one rather than addAll: a file that fails names itself in the error.
      for (const file of MANIFEST.files) {
        const url = new URL(file, SCOPE).href;
        const res = await fetch(url, { cache: 'no-store' });
        if (!res.ok) throw new Error(`Glasswing offline cache: ${file} answered ${res.status}`);
        await cache.put(url, res);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** The response with the shipped security headers present (cached copies already carry them). */
function withSecurityHeaders(res) {
  if (res.type === 'opaque' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  let isChanged = false;
  for (const [k, v] of Object.entries(MANIFEST.headers)) {
    if (!headers.has(k)) {
      headers.set(k, v);
      isChanged = true;
    }
  }
  return isChanged ? new Response(res.body, { status: res.status, statusText: res.statusText, headers }) : res;
}

async function fromNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(new URL('index.html', SCOPE).href, res.clone());
    return res;
  } catch {
    const cached = await cache.match(new URL('index.html', SCOPE).href);
    if (cached) return withSecurityHeaders(cached);
    throw new Error('Glasswing is offline and this page is not cached yet.');
  }
}

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return withSecurityHeaders(cached);
  const res = await fetch(request);
  if (res.ok && res.type === 'basic') await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Partial content is left to the network (nothing in the app asks for it today).
  if (request.headers.has('range')) return;
  if (url.pathname.endsWith('/sw.js')) return;
  event.respondWith(request.mode === 'navigate' ? fromNetworkFirst(request) : fromCacheFirst(request));
});
