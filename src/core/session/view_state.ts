/**
 * The serialisable state of one view (a story step, a link, the view inside a session file):
 * which dataset and model, the layout, the colouring, the selection, the camera, the open panel.
 * Pure data with a schemaVersion, so saved files and links outlive the code that made them.
 */
import { decodeCellSet, encodeCellSet } from './cell_set_codec.ts';

/** Bumped whenever a field changes meaning; readers refuse newer versions with a sentence. */
export const VIEW_SCHEMA_VERSION = 1;

/**
 * The scatter's camera: zoom scale `k` (1 = every cell fitted) and the data coordinates (x, y)
 * at the centre of the plot, so a view saved on a laptop frames the same cells on a projector.
 */
export interface Camera {
  k: number;
  x: number;
  y: number;
}

/** A selection as a view refers to it: a saved selection's id, or the cells themselves. */
export type SelectionRef = { kind: 'saved'; id: string } | { kind: 'cells'; cells: string };

/** One view of the app. Strings are untrusted when read back: render them as text only. */
export interface ViewState {
  schemaVersion: number;
  /** SHA-256 of the dataset's canonical content (see storage/dataset_cache). */
  datasetHash: string;
  datasetName: string;
  /** Model names (classifier + VAE), for the record. */
  model: string;
  /** 'latent_pca' or 'obsm:<key>'. */
  layout: string;
  /** 'predicted', a categorical obs column, or a published column key ('gene:CD74'). */
  colorBy: string;
  /** Category codes greyed out in the legend. */
  hiddenCategories: number[];
  selection: SelectionRef | null;
  camera: Camera | null;
  /** The right panel's open tab ('explain', 'compare', ...). */
  panel: string;
  /** The explained (clicked) cell's row index, or null. */
  selectedCell: number | null;
  /** Panels' own parts of the view (plain JSON), keyed by the name each panel registered. */
  extra?: Record<string, unknown>;
}

/** The most JSON a view's `extra` may hold (characters). */
export const MAX_EXTRA_CHARS = 200_000;

/** A saved view with the words a presenter shows. */
export interface StoryStep {
  id: string;
  title: string;
  note: string;
  view: ViewState;
}

const MAX_TEXT = 20_000;
const MAX_KEY = 400;

/** A sentence-carrying error for untrusted view/session input. */
export class InvalidViewError extends Error {
  override name = 'InvalidViewError';
}

function fail(where: string, what: string): never {
  throw new InvalidViewError(`${where}: ${what}`);
}

function str(v: unknown, where: string, max = MAX_KEY): string {
  if (typeof v !== 'string') fail(where, 'expected text.');
  if (v.length > max)
    fail(where, `text is ${v.length.toLocaleString('en-US')} characters long; at most ${max.toLocaleString('en-US')} are allowed.`);
  return v;
}

function num(v: unknown, where: string, lo = -Infinity, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, 'expected a finite number.');
  if (v < lo || v > hi) fail(where, `${v} is outside ${lo}…${hi}.`);
  return v;
}

function int(v: unknown, where: string, lo: number, hi: number): number {
  const n = num(v, where, lo, hi);
  if (!Number.isInteger(n)) fail(where, `${n} is not a whole number.`);
  return n;
}

/** Validate a camera from untrusted input. */
export function parseCamera(v: unknown, where = 'camera'): Camera | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') fail(where, 'expected {k, x, y}.');
  const o = v as Record<string, unknown>;
  return { k: num(o.k, `${where}.k`, 1e-3, 1e6), x: num(o.x, `${where}.x`, -1e12, 1e12), y: num(o.y, `${where}.y`, -1e12, 1e12) };
}

function parseSelection(v: unknown, where: string): SelectionRef | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') fail(where, 'expected a selection reference.');
  const o = v as Record<string, unknown>;
  if (o.kind === 'saved') return { kind: 'saved', id: str(o.id, `${where}.id`) };
  if (o.kind === 'cells') {
    const cells = str(o.cells, `${where}.cells`, 4_000_000);
    if (!/^[A-Za-z0-9_-]*$/.test(cells)) fail(`${where}.cells`, 'the cell list is not base64url text.');
    return { kind: 'cells', cells };
  }
  return fail(where, `unknown kind ${JSON.stringify(String(o.kind)).slice(0, 40)}; expected "saved" or "cells".`);
}

/** Validate a ViewState read from a file or a link. Throws InvalidViewError naming the field. */
export function parseViewState(v: unknown, where = 'view'): ViewState {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(where, 'expected an object.');
  const o = v as Record<string, unknown>;
  const version = int(o.schemaVersion, `${where}.schemaVersion`, 1, 1e6);
  if (version > VIEW_SCHEMA_VERSION)
    fail(where, `it was saved by a newer Glasswing (view schema ${version}; this one reads up to ${VIEW_SCHEMA_VERSION}). Update the app.`);
  const hidden = o.hiddenCategories ?? [];
  if (!Array.isArray(hidden) || hidden.length > 10_000) fail(`${where}.hiddenCategories`, 'expected a list of category numbers.');
  const hash = str(o.datasetHash ?? '', `${where}.datasetHash`);
  if (hash && !/^[0-9a-f]{64}$/.test(hash)) fail(`${where}.datasetHash`, 'expected 64 hexadecimal digits (a SHA-256).');
  return {
    schemaVersion: VIEW_SCHEMA_VERSION,
    datasetHash: hash,
    datasetName: str(o.datasetName ?? '', `${where}.datasetName`, MAX_TEXT),
    model: str(o.model ?? '', `${where}.model`, MAX_TEXT),
    layout: str(o.layout, `${where}.layout`),
    colorBy: str(o.colorBy, `${where}.colorBy`),
    hiddenCategories: hidden.map((h, i) => int(h, `${where}.hiddenCategories[${i}]`, 0, 1e6)),
    selection: parseSelection(o.selection, `${where}.selection`),
    camera: parseCamera(o.camera, `${where}.camera`),
    panel: str(o.panel ?? 'explain', `${where}.panel`),
    selectedCell: o.selectedCell === null || o.selectedCell === undefined ? null : int(o.selectedCell, `${where}.selectedCell`, 0, 2 ** 32),
    ...parseExtra(o.extra, `${where}.extra`),
  };
}

function parseExtra(v: unknown, where: string): { extra?: Record<string, unknown> } {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(where, 'expected an object of panel settings.');
  const text = JSON.stringify(v);
  if (text.length > MAX_EXTRA_CHARS)
    fail(where, `holds ${text.length.toLocaleString('en-US')} characters; at most ${MAX_EXTRA_CHARS.toLocaleString('en-US')} are allowed.`);
  // A JSON round trip drops anything that is not plain data.
  return { extra: JSON.parse(text) as Record<string, unknown> };
}

/** Validate a story step. */
export function parseStep(v: unknown, where = 'step'): StoryStep {
  if (!v || typeof v !== 'object') fail(where, 'expected an object.');
  const o = v as Record<string, unknown>;
  return {
    id: str(o.id, `${where}.id`),
    title: str(o.title ?? '', `${where}.title`, MAX_TEXT),
    note: str(o.note ?? '', `${where}.note`, MAX_TEXT),
    view: parseViewState(o.view, `${where}.view`),
  };
}

/**
 * The view as URL-hash parameters: `v`, `ds` (dataset hash), `layout`, `color`, `hide`, `sel`
 * (`s:<saved id>` or `c:<encoded cells>`), `cam` (k,x,y), `cell`, `panel`. Dataset and model names
 * stay out of links (the hash identifies the data).
 */
export function viewToHash(view: ViewState): string {
  const p = new Map<string, string>();
  p.set('v', String(view.schemaVersion));
  if (view.datasetHash) p.set('ds', view.datasetHash);
  p.set('layout', view.layout);
  p.set('color', view.colorBy);
  if (view.hiddenCategories.length) p.set('hide', view.hiddenCategories.join('.'));
  if (view.selection) p.set('sel', view.selection.kind === 'saved' ? `s:${view.selection.id}` : `c:${view.selection.cells}`);
  if (view.camera) p.set('cam', [view.camera.k, view.camera.x, view.camera.y].map((n) => Number(n.toPrecision(6))).join(','));
  if (view.selectedCell !== null) p.set('cell', String(view.selectedCell));
  if (view.panel && view.panel !== 'explain') p.set('panel', view.panel);
  if (view.extra && Object.keys(view.extra).length) p.set('ext', JSON.stringify(view.extra));
  return '#' + [...p].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** key -> value of a URL hash's `k=v&k=v` parameters (the first of repeated keys wins). */
function hashParams(hash: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let value = eq < 0 ? '' : part.slice(eq + 1);
    try {
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      throw new InvalidViewError(`link: the ${key} parameter is not valid URL text.`);
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

/** True when a URL hash looks like a Glasswing view link (so other hashes are left alone). */
export function isViewHash(hash: string): boolean {
  return /^#?v=\d/.test(hash);
}

/** Parse a URL hash made by viewToHash. Untrusted: throws InvalidViewError with a sentence. */
export function hashToView(hash: string): ViewState {
  const p = hashParams(hash);
  const where = 'link';
  // Category codes are joined with '.', camera numbers (which hold decimal points) with ','.
  const ints = (s: string, name: string, sep = '.') =>
    s.split(sep).map((t) => {
      if (!/^-?[0-9.e+-]+$/i.test(t)) fail(`${where} ${name}`, `"${t.slice(0, 20)}" is not a number.`);
      return Number(t);
    });
  const sel = p.get('sel');
  let selection: SelectionRef | null = null;
  if (sel) {
    if (sel.startsWith('s:')) selection = { kind: 'saved', id: sel.slice(2) };
    else if (sel.startsWith('c:')) selection = { kind: 'cells', cells: sel.slice(2) };
    else fail(`${where} sel`, 'expected s:<saved selection id> or c:<cell list>.');
  }
  const cam = p.get('cam');
  let camera: Camera | null = null;
  if (cam) {
    const [k, x, y] = ints(cam, 'cam', ',');
    camera = { k, x, y };
  }
  const ext = p.get('ext');
  let extra: unknown;
  if (ext) {
    try {
      extra = JSON.parse(ext);
    } catch {
      fail(`${where} ext`, 'is not JSON.');
    }
  }
  const hide = p.get('hide');
  const cell = p.get('cell');
  return parseViewState(
    {
      schemaVersion: Number(p.get('v')),
      datasetHash: p.get('ds') ?? '',
      layout: p.get('layout') ?? fail(`${where}`, 'it has no layout parameter.'),
      colorBy: p.get('color') ?? fail(`${where}`, 'it has no color parameter.'),
      hiddenCategories: hide ? ints(hide, 'hide') : [],
      selection,
      camera,
      panel: p.get('panel') ?? 'explain',
      selectedCell: cell === undefined ? null : ints(cell, 'cell')[0],
      extra,
    },
    where,
  );
}

/** Check a view's cell references against the open dataset; returns decoded selection cells (or null). */
export function resolveSelectionCells(ref: SelectionRef | null, nCells: number): Uint32Array | null {
  if (!ref || ref.kind !== 'cells') return null;
  return decodeCellSet(ref.cells, nCells);
}

/** A selection's cells as a SelectionRef that carries them. */
export function cellsRef(indices: ArrayLike<number>): SelectionRef {
  return { kind: 'cells', cells: encodeCellSet(indices) };
}
