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
