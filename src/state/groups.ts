/**
 * Groups of cells for Compare, gene plots and Traverse: the current selection, the second
 * selection, a saved selection, a category of any categorical obs column, a predicted class, or
 * "the rest" (every cell not in the other group). Keys are plain strings so pickers can bind them.
 */
import type { AppState } from './app.svelte.ts';

/** 'selection' | 'secondary' | 'rest' | `saved|<id>` | `pred|<class>` | `obs|<category index>|<column>`. */
export type GroupKey = string;

/** One entry of a group picker. */
export interface GroupOption {
  key: GroupKey;
  label: string;
  /** Cells in the group (for 'rest': unknown until the other group is fixed, -1). */
  count: number;
  /** Heading the option is listed under. */
  section: string;
}

/** Every group the dataset and the selections offer now. `withRest` adds "the rest" (group B). */
export function groupOptions(app: AppState, withRest: boolean): GroupOption[] {
  const out: GroupOption[] = [];
  if (withRest) out.push({ key: 'rest', label: 'The rest (all other cells)', count: -1, section: 'Selections' });
  out.push({ key: 'selection', label: 'Current selection', count: app.selection.primaryCount, section: 'Selections' });
  out.push({ key: 'secondary', label: 'Second selection', count: app.selection.secondaryCount, section: 'Selections' });
  for (const s of app.selection.saved)
    out.push({ key: `saved|${s.id}`, label: s.name, count: s.cells.length, section: 'Saved selections' });
  const ds = app.dataset;
  for (const col of app.categoricalColumns) {
    const c = ds?.obs[col];
    if (c?.type !== 'categorical') continue;
    const counts = new Array<number>(c.categories.length).fill(0);
    for (const code of c.codes) if (code >= 0) counts[code]++;
    c.categories.forEach((cat, i) =>
      out.push({ key: `obs|${i}|${col}`, label: cat, count: counts[i], section: col === 'label' ? 'Cell type (file)' : col }),
    );
  }
  const classes = app.models?.classifier.output.classes ?? [];
  if (app.predictions) {
    const counts = new Array<number>(classes.length).fill(0);
    for (const c of app.predictions.predicted) counts[c]++;
    classes.forEach((cls, i) => out.push({ key: `pred|${i}`, label: cls, count: counts[i], section: 'Predicted type (model)' }));
  }
  return out;
}

/** A short human name for a group, e.g. "B (Cell type (file))" or "Current selection". */
export function groupLabel(app: AppState, key: GroupKey): string {
  if (key === 'rest') return 'the rest';
  const opt = groupOptions(app, false).find((o) => o.key === key);
  if (!opt) return key;
  return opt.section === 'Selections' ? opt.label : `${opt.label} (${opt.section})`;
}

/**
 * The `[nCells]` 0/1 mask of a group. 'rest' is the complement of `other`. Throws a sentence when
 * the group is empty or gone (a selection cleared, a saved one deleted).
 */
export function groupMask(app: AppState, key: GroupKey, other?: Uint8Array | null): Uint8Array {
  const n = app.dataset?.nCells ?? 0;
  const mask = new Uint8Array(n);
  if (key === 'rest') {
    if (!other) throw new Error('"The rest" needs the other group to be chosen first.');
    for (let i = 0; i < n; i++) mask[i] = other[i] ? 0 : 1;
  } else if (key === 'selection' || key === 'secondary') {
    const m = key === 'selection' ? app.selection.primary : app.selection.secondary;
    if (!m)
      throw new Error(
        key === 'selection'
          ? 'Nothing is selected. Select cells (lasso, box or a category in Selections), or pick a category as the group.'
          : 'There is no second selection. Make one, or compare against "the rest" or a category.',
      );
    mask.set(m);
  } else if (key.startsWith('saved|')) {
    const s = app.selection.saved.find((x) => x.id === key.slice(6));
    if (!s) throw new Error('That saved selection was deleted. Pick another group.');
    for (const i of s.cells) mask[i] = 1;
  } else if (key.startsWith('pred|')) {
    if (!app.predictions) throw new Error('The model has not predicted cell types yet; wait for it, or pick another group.');
    const cls = Number(key.slice(5));
    app.predictions.predicted.forEach((c, i) => (mask[i] = c === cls ? 1 : 0));
  } else if (key.startsWith('obs|')) {
    const bar = key.indexOf('|', 4);
    const code = Number(key.slice(4, bar));
    const col = app.dataset?.obs[key.slice(bar + 1)];
    if (col?.type !== 'categorical') throw new Error(`The column ${key.slice(bar + 1)} is no longer in this dataset. Pick another group.`);
    col.codes.forEach((c, i) => (mask[i] = c === code ? 1 : 0));
  } else throw new Error(`Unknown group ${key}.`);
  return mask;
}

/** Number of set entries of a mask. */
export function maskCount(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}
