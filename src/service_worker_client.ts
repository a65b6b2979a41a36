/**
 * Registers the service worker (dist/sw.js, written by scripts/vite_service_worker.ts) that makes
 * the app work offline after its first load. Built app only; a failure is reported, never fatal.
 */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator)) return null;
  try {
    // The worker's scope is the app's folder; updates are checked on every navigation (byte-compare of sw.js).
    return await navigator.serviceWorker.register(new URL('./sw.js', location.href), { scope: './', updateViaCache: 'none' });
  } catch (err) {
    console.warn(`Offline use is unavailable: the service worker could not be registered (${(err as Error).message}).`);
    return null;
  }
}
