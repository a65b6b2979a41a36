/** Composition root: start the engine worker, build the state, mount the App, boot the demo. */
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { AppState } from './state/app.svelte.ts';
import { GrnState } from './state/grn.svelte.ts';
import { SessionController } from './state/session.svelte.ts';
import { ThemeState } from './state/theme.svelte.ts';
import { exportsHandle } from './views/exports.ts';
import { registerServiceWorker } from './service_worker_client.ts';
import { startEngine } from './workers/client.ts';
import { BACKENDS, type BackendName } from './compute/backend_names.ts';

const engine = startEngine();
const app = new AppState(engine);
// The scatter benchmark page (scripts/bench_scatter.ts) mounts its own view instead of the app.
const isScatterBench = new URLSearchParams(location.search).get('bench') === 'scatter';
const grn = new GrnState(app, engine);
const requested = new URLSearchParams(location.search).get('backend');
const override = BACKENDS.includes(requested as BackendName) ? (requested as BackendName) : null;

const session = new SessionController(app, engine);
const theme = new ThemeState();

if (isScatterBench) {
  void import('./views/ScatterBench.svelte').then(({ default: ScatterBench }) =>
    mount(ScatterBench, { target: document.getElementById('app')!, props: { engine } }),
  );
} else {
  mount(App, { target: document.getElementById('app')!, props: { app, grn, session, theme } });
  // Offline: once the demo is up, the service worker caches the app shell, models and demo (built app only).
  void app.start(override).then(() => (import.meta.env.PROD ? registerServiceWorker() : null));
}

// A console/test handle: the same engine the UI uses (nothing here leaves the page).
(globalThis as unknown as { glasswing: unknown }).glasswing = { app, engine, grn, session, theme, exports: exportsHandle };
