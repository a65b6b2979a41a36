/** The app version from package.json, injected by Vite (`define`), for export provenance. */
declare const __APP_VERSION__: string;
