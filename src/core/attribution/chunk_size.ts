/**
 * How many rows (cells × steps) one attribution call may hold, from the backend's limits and a
 * memory budget. Pure: the worker reads the limits (src/compute/limits.ts) and passes them in.
 */

/** What bounds one tensor and one call on the active backend. */
export interface BackendLimits {
  /** WebGPU `maxStorageBufferBindingSize`, bytes: the largest tensor one shader may bind. */
  maxStorageBufferBindingSizeBytes?: number;
  /** WebGPU `maxBufferSize`, bytes. */
  maxBufferSizeBytes?: number;
  /** WebGL `MAX_TEXTURE_SIZE`, texels per side (tensors live in RGBA float textures, packed 2×2). */
  maxTextureSize?: number;
  /** Bytes the call's live tensors may take together. */
  memoryBudgetBytes: number;
}

/** Default memory budget per call: 256 MiB, a fraction of what an integrated GPU or a wasm heap grants. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 2 ** 20;

/** The largest chunk we send at once even when memory allows more (keeps progress and cancel responsive). */
export const MAX_CHUNK_ROWS = 16_384;

/** The chunk size and the limit that set it. */
export interface ChunkSize {
  rows: number;
  limitedBy: 'storage-buffer' | 'texture' | 'memory' | 'cap';
  /** Estimated bytes per row held during one gradient call. */
  bytesPerRow: number;
}

/**
 * Rows per gradient call for a model whose layer widths are `widths` (input first, then each
 * layer's output, e.g. [2000, 128, 64, 9]), float32.
 *
 * Per row the call holds: the path input, its copy, the gradient and the weighted gradient (4 × the
 * input width), and each hidden layer's activation, activation derivative and backprop gradient
 * (3 × each other width). One tensor `[rows, widest]` must also fit one storage buffer (WebGPU) or one
 * texture (WebGL: `rows × widest / 4` texels ≤ `maxTextureSize²`).
 */
export function chunkRowsFor(limits: BackendLimits, widths: readonly number[]): ChunkSize {
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error(`The model's layer widths [${widths.join(', ')}] are not valid; give the input width and at least one layer width.`);
  }
  if (!(limits.memoryBudgetBytes > 0)) {
    throw new Error(`The memory budget must be positive, but got ${limits.memoryBudgetBytes} bytes.`);
  }
  const widest = Math.max(...widths);
  const bytesPerRow = 4 * (4 * widths[0] + 3 * widths.slice(1).reduce((a, w) => a + w, 0));
  const candidates: [number, ChunkSize['limitedBy']][] = [
    [MAX_CHUNK_ROWS, 'cap'],
    [Math.floor(limits.memoryBudgetBytes / bytesPerRow), 'memory'],
  ];
  const buffer = Math.min(limits.maxStorageBufferBindingSizeBytes ?? Infinity, limits.maxBufferSizeBytes ?? Infinity);
  if (Number.isFinite(buffer)) candidates.push([Math.floor(buffer / (4 * widest)), 'storage-buffer']);
  if (limits.maxTextureSize !== undefined) candidates.push([Math.floor((4 * limits.maxTextureSize ** 2) / widest), 'texture']);
  let best = candidates[0];
  for (const c of candidates) if (c[0] < best[0]) best = c;
  return { rows: Math.max(1, best[0]), limitedBy: best[1], bytesPerRow };
}
