/**
 * The active tfjs backend's size limits, for chunk sizing (core/attribution/chunk_size.ts):
 * WebGPU's buffer limits from its device, WebGL's texture size from tfjs's environment.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MEMORY_BUDGET_BYTES, type BackendLimits } from '../core/attribution/chunk_size.ts';

/** Limits of the backend now active (`tf.getBackend()`), with the default memory budget. */
export function activeBackendLimits(memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES): BackendLimits {
  const name = tf.getBackend();
  const limits: BackendLimits = { memoryBudgetBytes };
  if (name === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (device) {
      limits.maxStorageBufferBindingSizeBytes = device.limits.maxStorageBufferBindingSize;
      limits.maxBufferSizeBytes = device.limits.maxBufferSize;
    }
  } else if (name === 'webgl') {
    limits.maxTextureSize = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  }
  return limits;
}

/** Why each WebGPU device we have watched was lost (its `lost` promise resolved). */
const lostReasons = new WeakMap<GPUDevice, string>();
const watched = new WeakSet<GPUDevice>();

/** The active tfjs WebGPU device, or null on another backend. */
function activeDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}

/** Starts watching the active WebGPU device for loss (idempotent); call before a run. */
export function watchDeviceLoss(): void {
  const device = activeDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => lostReasons.set(device, `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`));
}

/** Why the active WebGPU device was lost, or null when it was not (or another backend runs). */
export function deviceLostReason(): string | null {
  const device = activeDevice();
  return device ? (lostReasons.get(device) ?? null) : null;
}

/** Destroys the active WebGPU device, as a driver reset would lose it (tests simulate device loss with it). */
export function destroyActiveDevice(): boolean {
  const device = activeDevice();
  if (!device) return false;
  // Chromium's SwiftShader did not resolve `lost` within 1 s of destroy() (measured), so record it here.
  lostReasons.set(device, 'destroyed');
  device.destroy();
  return true;
}

/**
 * Why the active WebGPU device was lost, waiting up to `ms` for its `lost` promise (a failed read can
 * reject before the loss is reported); null when it was not lost or another backend runs.
 */
export async function deviceLostWithin(ms: number): Promise<string | null> {
  const device = activeDevice();
  if (!device) return null;
  const known = lostReasons.get(device);
  if (known) return known;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (ms <= 0) return null;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  const lost = device.lost.then((info) => `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`);
  try {
    return await Promise.race([lost, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
