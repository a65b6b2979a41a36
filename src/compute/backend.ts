/**
 * Choosing the tfjs backend honestly (ISSUE-NOTES.md): a real WebGPU adapter first; otherwise a
 * short measured race between webgl and wasm (a small matMul on each, cached per device); cpu last.
 * A software WebGPU adapter (SwiftShader) is never chosen automatically: there it is ~30x slower
 * than wasm SIMD. Runs in the worker that owns tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadsUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

import type { BackendName } from './backend_names.ts';
export type { BackendName } from './backend_names.ts';

/** What the WebGPU adapter said about itself, when there is one. */
export interface AdapterSummary {
  isFallbackAdapter: boolean;
  vendor: string;
  architecture: string;
  description: string;
}

/** Milliseconds per tiny matMul, measured on this device (the cache the main thread keeps). */
export type ProbeTimes = Partial<Record<'webgl' | 'wasm', number>>;

/** The backend that runs and a sentence saying why (shown on the backend badge). */
export interface BackendChoice {
  backend: BackendName;
  reason: string;
  adapter: AdapterSummary | null;
  probe: ProbeTimes;
  isProbeCached: boolean;
  wasm: { isSimd: boolean; isThreaded: boolean; threads: number };
  initMs: number;
}

let isWasmConfigured = false;
function configureWasm(): void {
  if (isWasmConfigured) return;
  // Vite fingerprints the .wasm files; tell tfjs where each variant ended up.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': new URL(wasmPlainUrl, self.location.href).href,
    'tfjs-backend-wasm-simd.wasm': new URL(wasmSimdUrl, self.location.href).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreadsUrl, self.location.href).href,
  });
  isWasmConfigured = true;
}

/** Asks the browser for a WebGPU adapter without starting tfjs on it. */
export async function describeAdapter(): Promise<AdapterSummary | null> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const info = adapter.info ?? ({} as GPUAdapterInfo);
    return {
      isFallbackAdapter: Boolean(
        (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
        (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter,
      ),
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
    };
  } catch {
    return null;
  }
}

/** Switches tfjs to `name`; resolves false (never throws) when the backend cannot start here. */
export async function trySetBackend(name: BackendName): Promise<boolean> {
  if (name === 'wasm') configureWasm();
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    // A backend can register yet fail on first use (e.g. a lost GPU): run one op to be sure.
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 2;
  } catch {
    return false;
  }
}

/** Median ms of an n×n×n matMul on the current backend over `reps` runs, after one warm-up. */
export async function medianMatMulMs(n: number, reps: number): Promise<number> {
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (i > 0) times.push(performance.now() - t0);
  }
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

/** What the wasm backend can use here; tfjs evaluates these flags asynchronously. */
async function wasmFeatures(): Promise<BackendChoice['wasm']> {
  const flag = async (name: string) => {
    try {
      return Boolean(await tf.env().getAsync(name));
    } catch {
      return false;
    }
  };
  return {
    isSimd: await flag('WASM_HAS_SIMD_SUPPORT'),
    isThreaded: await flag('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1,
  };
}

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms.toFixed(1)} ms`);

/**
 * Picks and starts the backend. `override` (UI or `?backend=`) wins when it can start;
 * `cachedProbe` skips the webgl/wasm race on a device that has already run it.
 */
export async function chooseBackend(
  options: { override?: BackendName | null; cachedProbe?: ProbeTimes | null } = {},
): Promise<BackendChoice> {
  const t0 = performance.now();
  const adapter = await describeAdapter();
  const probe: ProbeTimes = { ...(options.cachedProbe ?? {}) };
  const isProbeCached = options.cachedProbe != null && Object.keys(options.cachedProbe).length > 0;
  const done = async (backend: BackendName, reason: string): Promise<BackendChoice> => ({
    backend,
    reason,
    adapter,
    probe,
    isProbeCached,
    wasm: await wasmFeatures(),
    initMs: performance.now() - t0,
  });

  const override = options.override;
  if (override) {
    if (await trySetBackend(override)) {
      const note =
        override === 'webgpu' && adapter?.isFallbackAdapter
          ? ' The WebGPU adapter is a software fallback (SwiftShader), so expect it to be slow.'
          : '';
      return done(override, `Chosen by you (?backend=${override}).${note}`);
    }
  }
  const overrideNote = override ? `You asked for ${override}, but it could not start here; ` : '';

  if (adapter && !adapter.isFallbackAdapter && (await trySetBackend('webgpu'))) {
    const name = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'a hardware adapter';
    return done('webgpu', `${overrideNote}WebGPU runs on ${name}.`);
  }
  const gpuNote = !adapter
    ? 'No WebGPU adapter is available'
    : adapter.isFallbackAdapter
      ? 'The WebGPU adapter is a software fallback (SwiftShader)'
      : 'WebGPU failed to start';

  if (!isProbeCached) {
    for (const name of ['webgl', 'wasm'] as const) {
      if (await trySetBackend(name)) probe[name] = await medianMatMulMs(256, 5);
    }
  }
  const candidates = (['wasm', 'webgl'] as const).filter((n) => probe[n] !== undefined).sort((a, b) => probe[a]! - probe[b]!);
  for (const name of candidates) {
    if (await trySetBackend(name)) {
      const other = name === 'wasm' ? 'webgl' : 'wasm';
      const measured = `${name} ${fmt(probe[name])} vs ${other} ${fmt(probe[other])} per 256³ matMul${isProbeCached ? ', measured earlier on this device' : ''}`;
      return done(name, `${overrideNote}${gpuNote}; ${name} is faster here (${measured}).`);
    }
  }
  await trySetBackend('cpu');
  return done(
    'cpu',
    `${overrideNote}${gpuNote}, and neither webgl nor wasm could start; running on the plain JavaScript cpu backend (slow).`,
  );
}
