/**
 * Cell selections (UX.md "selection"): a primary selection made by lasso, box or category, an
 * optional second one to compare against, and selections the user saved under a name.
 * Masks are replaced, never mutated, so views that read them re-render.
 */

/** How a new lasso/box/category pick combines with the current selection. */
export type SelectMode = 'replace' | 'add' | 'subtract';

/** A selection the user named (an annotation on a set of cells). */
export interface SavedSelection {
  id: string;
  name: string;
  note: string;
  /** Row indices into the current dataset, ascending. */
  cells: Uint32Array;
}

/** Combine `mask` into `current` ([nCells] 0/1) by `mode`; returns a new mask, or null when empty. */
export function combineMasks(current: Uint8Array | null, mask: Uint8Array, mode: SelectMode): Uint8Array | null {
  const out = new Uint8Array(mask.length);
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    const was = current ? current[i] : 0;
    const v = mode === 'replace' ? mask[i] : mode === 'add' ? was | mask[i] : was & (mask[i] ^ 1);
    out[i] = v;
    n += v;
  }
  return n > 0 ? out : null;
}

/** Ascending row indices where `mask` is set. */
export function maskToIndices(mask: Uint8Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}

/** A [nCells] 0/1 mask from row indices. */
export function indicesToMask(indices: ArrayLike<number>, nCells: number): Uint8Array {
  const mask = new Uint8Array(nCells);
  for (let k = 0; k < indices.length; k++) mask[indices[k]] = 1;
  return mask;
}

export class SelectionState {
  /** [nCells] 0/1, or null when nothing is selected. */
  primary = $state.raw<Uint8Array | null>(null);
  /** The second group for "selection A vs selection B"; null means "vs the rest". */
  secondary = $state.raw<Uint8Array | null>(null);
  saved = $state.raw<SavedSelection[]>([]);

  readonly primaryCount = $derived(this.primary ? this.primary.reduce((a, b) => a + b, 0) : 0);
  readonly secondaryCount = $derived(this.secondary ? this.secondary.reduce((a, b) => a + b, 0) : 0);

  /** Apply a lasso/box/category pick to the primary (or secondary) selection. */
  apply(mask: Uint8Array, mode: SelectMode = 'replace', which: 'primary' | 'secondary' = 'primary') {
    this[which] = combineMasks(this[which], mask, mode);
  }

  clear() {
    this.primary = null;
    this.secondary = null;
  }

  /** Keep the primary selection under a name; returns it, or null when nothing is selected. */
  save(name: string, note = ''): SavedSelection | null {
    if (!this.primary) return null;
    const s: SavedSelection = { id: `sel-${Date.now().toString(36)}-${this.saved.length}`, name, note, cells: maskToIndices(this.primary) };
    this.saved = [...this.saved, s];
    return s;
  }

  remove(id: string) {
    this.saved = this.saved.filter((s) => s.id !== id);
  }

  /** Forget everything (a new dataset was opened: row indices no longer mean the same cells). */
  reset() {
    this.clear();
    this.saved = [];
  }
}
