import { describe, expect, it } from 'vitest';
import { chunkRowsFor, MAX_CHUNK_ROWS } from '../../../src/core/attribution/chunk_size.ts';

// The demo classifier: 2000 → 128 → 64 → 9. Bytes per row = 4 (4·2000 + 3·(128 + 64 + 9)) = 34,412.
const widths = [2000, 128, 64, 9];
const MiB = 2 ** 20;

describe('chunkRowsFor', () => {
  it('derives rows from the memory budget', () => {
    const c = chunkRowsFor({ memoryBudgetBytes: 256 * MiB }, widths);
    expect(c.bytesPerRow).toBe(34_412);
    expect(c.rows).toBe(Math.floor((256 * MiB) / 34_412)); // 7,800
    expect(c.rows).toBe(7800);
    expect(c.limitedBy).toBe('memory');
  });

  it('is bound by WebGPU maxStorageBufferBindingSize / maxBufferSize: one [rows, widest] tensor per binding', () => {
    // 128 MiB binding (the WebGPU default): 134,217,728 / 8,000 bytes per row = 16,777 rows, under the
    // 1 GiB memory budget but over the cap; at 32 MiB it is 4,194 rows.
    const c = chunkRowsFor(
      { memoryBudgetBytes: 1024 * MiB, maxStorageBufferBindingSizeBytes: 32 * MiB, maxBufferSizeBytes: 256 * MiB },
      widths,
    );
    expect(c).toMatchObject({ rows: 4194, limitedBy: 'storage-buffer' });
    const d = chunkRowsFor(
      { memoryBudgetBytes: 1024 * MiB, maxStorageBufferBindingSizeBytes: 128 * MiB, maxBufferSizeBytes: 16 * MiB },
      widths,
    );
    expect(d).toMatchObject({ rows: 2097, limitedBy: 'storage-buffer' });
  });

  it('is bound by the WebGL texture size (packed RGBA: rows · widest / 4 ≤ maxTextureSize²)', () => {
    const c = chunkRowsFor({ memoryBudgetBytes: 1024 * MiB, maxTextureSize: 2048 }, widths);
    expect(c).toMatchObject({ rows: Math.floor((4 * 2048 ** 2) / 2000), limitedBy: 'texture' }); // 8,388
    expect(c.rows).toBe(8388);
  });

  it('caps very large budgets, never returns 0, and rejects bad widths with a sentence', () => {
    expect(chunkRowsFor({ memoryBudgetBytes: 64 * 1024 * MiB }, [10, 4])).toMatchObject({ rows: MAX_CHUNK_ROWS, limitedBy: 'cap' });
    expect(chunkRowsFor({ memoryBudgetBytes: 1 }, widths).rows).toBe(1);
    expect(() => chunkRowsFor({ memoryBudgetBytes: MiB }, [2000])).toThrow(/layer widths/);
    expect(() => chunkRowsFor({ memoryBudgetBytes: 0 }, widths)).toThrow(/budget/);
  });
});
