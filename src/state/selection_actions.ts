/**
 * What can be done with a selection besides comparing it: select by category, export its cell ids
 * (CSV with provenance), and save it as a category of a user annotation column that the colour-by
 * list and the group pickers offer like any column of the file.
 */
import type { AppState } from './app.svelte.ts';
import type { CategoricalColumn } from '../core/data/dataset.ts';
import { csvWithProvenance } from '../core/provenance.ts';
import { maskToIndices } from './selection.svelte.ts';

/** Label for cells not in any saved category of an annotation column. */
export const UNASSIGNED = 'unassigned';

/** Annotation columns made in this session (by dataset hash): only these may be written to. */
const userColumns = new Map<string, Set<string>>();

/** True when `name` is an annotation column the user made for the open dataset. */
export function isUserColumn(app: AppState, name: string): boolean {
  return userColumns.get(app.dataset?.hash ?? '')?.has(name) ?? false;
}

/** The cells of category `code` of categorical column `column`, as a `[nCells]` 0/1 mask. */
export function categoryMask(app: AppState, column: string, code: number): Uint8Array {
  const col = app.dataset?.obs[column];
  if (col?.type !== 'categorical') throw new Error(`${column} is not a categorical column of this dataset.`);
  return Uint8Array.from(col.codes, (c) => (c === code ? 1 : 0));
}

/** CSV of the selected cells' ids (row index and id per line) with provenance. */
export function selectionCsv(app: AppState, mask: Uint8Array, name: string): string {
  const ids = app.dataset?.cellIds ?? [];
  const rows = Array.from(maskToIndices(mask), (i) => [i, ids[i]]);
  return csvWithProvenance(
    `Cell ids of selection "${name}"`,
    app.provenance({ method: 'selection export', extra: { selection: name, cells: rows.length } }),
    ['row', 'cell_id'],
    rows,
  );
}

/**
 * Writes the selection into annotation column `column` as category `category` (created when new;
 * other cells start as "unassigned"). A column of the file itself is never overwritten.
 * Returns an error sentence, or null when done.
 */
export function saveAsCategory(app: AppState, mask: Uint8Array, column: string, category: string): string | null {
  const ds = app.dataset;
  if (!ds) return 'Open a dataset first.';
  const col = column.trim();
  const cat = category.trim();
  if (!col || !cat) return 'Give both the column and the category a name.';
  const existing = ds.obs[col];
  if (existing && !isUserColumn(app, col))
    return `${col} is a column of the file; choose another column name so the file's own annotation stays as it was.`;
  let next: CategoricalColumn;
  if (existing?.type === 'categorical') {
    const categories = existing.categories.includes(cat) ? existing.categories : [...existing.categories, cat];
    const code = categories.indexOf(cat);
    const codes = Int32Array.from(existing.codes, (c, i) => (mask[i] ? code : c));
    next = { type: 'categorical', categories, codes };
  } else {
    next = { type: 'categorical', categories: [UNASSIGNED, cat], codes: Int32Array.from(mask, (v) => (v ? 1 : 0)) };
  }
  const set = userColumns.get(ds.hash) ?? new Set<string>();
  set.add(col);
  userColumns.set(ds.hash, set);
  app.dataset = { ...ds, obs: { ...ds.obs, [col]: next } };
  return null;
}
