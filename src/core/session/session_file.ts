/**
 * The session file: the whole session as one JSON document (story steps, annotations, saved
 * selections, settings, the view, and the dataset's hash and name; the compact dataset itself only
 * when asked for). Reading one is untrusted input: every field is checked and a bad file gets a
 * sentence naming the field, never a crash.
 */
import { csvWithProvenance, provenanceEntries, type Provenance } from '../provenance.ts';
import { InvalidViewError, parseStep, parseViewState, type StoryStep, type ViewState } from './view_state.ts';

/** Bumped whenever a field changes meaning. */
export const SESSION_SCHEMA_VERSION = 1;
export const SESSION_FORMAT = 'glasswing-session';
/** The largest session file we parse (an embedded dataset makes it big; JSON.parse of more freezes tabs). */
export const MAX_SESSION_BYTES = 512 * 1024 * 1024;

/** A user's name and note for one category of a categorical column ("cluster 3" → "Activated T"). */
export interface ClusterNote {
  column: string;
  category: string;
  name: string;
  note: string;
}

/** A user's tags and note on a gene, e.g. tags ["wet-lab follow-up"]. */
export interface GeneNote {
  gene: string;
  tags: string[];
  note: string;
}

/** A saved, named selection in a session file; `cells` is encodeCellSet text. */
export interface SessionSelection {
  id: string;
  name: string;
  note: string;
  cells: string;
  nCells: number;
}

/** Everything a session file holds. */
export interface SessionFile {
  format: typeof SESSION_FORMAT;
  schemaVersion: number;
  savedAt: string;
  /** The provenance record as key=value pairs (as in every export). */
  provenance: Record<string, string>;
  dataset: { hash: string; name: string; fileName: string; nCells: number; nGenes: number };
  view: ViewState;
  steps: StoryStep[];
  selections: SessionSelection[];
  annotations: { clusters: ClusterNote[]; genes: GeneNote[] };
  settings: Record<string, string | number | boolean>;
  /** The compact dataset (core/data/compact_format) as base64, only when the user asked for it. */
  data?: { format: 'glasswing-compact'; base64: string };
}

/** Build a session document; `data` only when the user asked to include the raw data. */
export function buildSession(
  parts: Omit<SessionFile, 'format' | 'schemaVersion' | 'provenance' | 'savedAt'>,
  provenance: Provenance,
): SessionFile {
  return {
    format: SESSION_FORMAT,
    schemaVersion: SESSION_SCHEMA_VERSION,
    savedAt: provenance.date,
    provenance: Object.fromEntries(provenanceEntries(provenance)),
    ...parts,
  };
}

const where = (w: string, what: string): never => {
  throw new InvalidViewError(`This session file cannot be opened: ${w} ${what}`);
};

function text(v: unknown, w: string, max = 20_000): string {
  if (typeof v !== 'string') where(w, 'should be text.');
  if ((v as string).length > max) where(w, `is longer than ${max.toLocaleString('en-US')} characters.`);
  return v as string;
}

function list(v: unknown, w: string, max: number): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) where(w, 'should be a list.');
  if ((v as unknown[]).length > max) where(w, `holds more than ${max.toLocaleString('en-US')} entries.`);
  return v as unknown[];
}

function count(v: unknown, w: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) where(w, 'should be a whole number ≥ 0.');
  return v as number;
}

/**
 * Parse and check a session file's text. Throws InvalidViewError with a sentence that names the
 * problem (not JSON, another kind of file, a newer version, a bad field) and what to do.
 */
export function parseSession(json: string): SessionFile {
  if (json.length > MAX_SESSION_BYTES) where('it', `is ${(json.length / 1e6).toFixed(0)} MB; the limit is ${MAX_SESSION_BYTES / 1e6} MB.`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return where('it', `is not valid JSON (${(e as Error).message}). Choose a .glasswing.json file saved by Save session.`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return where('it', 'is not a Glasswing session (expected a JSON object).');
  const o = raw as Record<string, unknown>;
  if (o.format !== SESSION_FORMAT)
    where('it', `is not a Glasswing session (its "format" is ${JSON.stringify(o.format ?? null).slice(0, 60)}).`);
  const version = o.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) where('"schemaVersion"', 'should be a whole number ≥ 1.');
  if ((version as number) > SESSION_SCHEMA_VERSION)
    where(
      'it',
      `was saved by a newer Glasswing (session schema ${version}; this one reads up to ${SESSION_SCHEMA_VERSION}). Update the app.`,
    );
  const d = o.dataset as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object') where('"dataset"', 'is missing.');
  const hash = text(d!.hash, 'dataset.hash', 64);
  if (!/^[0-9a-f]{64}$/.test(hash)) where('dataset.hash', 'should be 64 hexadecimal digits (a SHA-256).');
  const prov = o.provenance && typeof o.provenance === 'object' ? (o.provenance as Record<string, unknown>) : {};
  const settings: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries((o.settings as Record<string, unknown>) ?? {}).slice(0, 200))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') settings[text(k, 'a settings key', 200)] = v;
  let view: ViewState;
  let steps: StoryStep[];
  try {
    view = parseViewState(o.view, 'view');
    steps = list(o.steps, 'steps', 10_000).map((s, i) => parseStep(s, `steps[${i}]`));
  } catch (e) {
    throw new InvalidViewError(`This session file cannot be opened: ${(e as Error).message}`);
  }
  const data = o.data as Record<string, unknown> | undefined;
  if (data !== undefined && (data === null || data.format !== 'glasswing-compact' || typeof data.base64 !== 'string'))
    where('"data"', 'should be {format: "glasswing-compact", base64: "..."}.');
  if (data && !/^[A-Za-z0-9+/]*={0,2}$/.test(data.base64 as string)) where('data.base64', 'is not base64 text.');
  return {
    format: SESSION_FORMAT,
    schemaVersion: SESSION_SCHEMA_VERSION,
    savedAt: text(o.savedAt ?? '', 'savedAt', 100),
    provenance: Object.fromEntries(
      Object.entries(prov)
        .slice(0, 100)
        .map(([k, v]) => [text(k, 'a provenance key', 200), String(v).slice(0, 2000)]),
    ),
    dataset: {
      hash,
      name: text(d!.name ?? '', 'dataset.name'),
      fileName: text(d!.fileName ?? '', 'dataset.fileName'),
      nCells: count(d!.nCells, 'dataset.nCells'),
      nGenes: count(d!.nGenes, 'dataset.nGenes'),
    },
    view,
    steps,
    selections: list(o.selections, 'selections', 10_000).map((s, i) => {
      const r = (s ?? {}) as Record<string, unknown>;
      const cells = text(r.cells, `selections[${i}].cells`, 4_000_000);
      if (!/^[A-Za-z0-9_-]*$/.test(cells)) where(`selections[${i}].cells`, 'is not base64url text.');
      return {
        id: text(r.id, `selections[${i}].id`, 400),
        name: text(r.name ?? '', `selections[${i}].name`),
        note: text(r.note ?? '', `selections[${i}].note`),
        cells,
        nCells: count(r.nCells ?? 0, `selections[${i}].nCells`),
      };
    }),
    annotations: {
      clusters: list((o.annotations as Record<string, unknown> | undefined)?.clusters, 'annotations.clusters', 100_000).map((c, i) => {
        const r = (c ?? {}) as Record<string, unknown>;
        const w = `annotations.clusters[${i}]`;
        return {
          column: text(r.column, `${w}.column`),
          category: text(r.category, `${w}.category`),
          name: text(r.name ?? '', `${w}.name`),
          note: text(r.note ?? '', `${w}.note`),
        };
      }),
      genes: list((o.annotations as Record<string, unknown> | undefined)?.genes, 'annotations.genes', 100_000).map((g, i) => {
        const r = (g ?? {}) as Record<string, unknown>;
        const w = `annotations.genes[${i}]`;
        return {
          gene: text(r.gene, `${w}.gene`),
          tags: list(r.tags, `${w}.tags`, 100).map((t, j) => text(t, `${w}.tags[${j}]`, 200)),
          note: text(r.note ?? '', `${w}.note`),
        };
      }),
    },
    settings,
    ...(data ? { data: { format: 'glasswing-compact' as const, base64: data.base64 as string } } : {}),
  };
}

/** Every annotation (named selections, named clusters, gene notes) as one CSV with provenance. */
export function annotationsCsv(
  annotations: { clusters: ClusterNote[]; genes: GeneNote[]; selections: { name: string; note: string; nCells: number; id: string }[] },
  provenance: Provenance,
): string {
  const rows: (string | number)[][] = [];
  for (const s of annotations.selections) rows.push(['selection', s.id, s.name, '', s.note, s.nCells]);
  for (const c of annotations.clusters) rows.push(['cluster', `${c.column}=${c.category}`, c.name, '', c.note, '']);
  for (const g of annotations.genes) rows.push(['gene', g.gene, g.gene, g.tags.join('; '), g.note, '']);
  return csvWithProvenance('Glasswing annotations', provenance, ['kind', 'target', 'name', 'tags', 'note', 'n_cells'], rows);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (with padding) of bytes; written out because src/core has no btoa. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let k = 0; k < bytes.length; k += 3) {
    const n = (bytes[k] << 16) | ((bytes[k + 1] ?? 0) << 8) | (bytes[k + 2] ?? 0);
    chunk +=
      B64[(n >> 18) & 63] +
      B64[(n >> 12) & 63] +
      (k + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') +
      (k + 2 < bytes.length ? B64[n & 63] : '=');
    // Join in pieces: one long += chain of 10M characters is slow in V8.
    if (chunk.length >= 1 << 16) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

/** Bytes from standard base64 text. Throws a sentence on characters outside the alphabet. */
export function base64ToBytes(b64: string): Uint8Array {
  const clean = b64.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let k = 0; k < clean.length; k += 4) {
    let n = 0;
    for (let c = 0; c < 4; c++) {
      const code = clean.charCodeAt(k + c);
      const v = k + c < clean.length ? (code < 128 ? B64_INDEX[code] : -1) : 0;
      if (v < 0) throw new Error('The embedded data is not base64 text; the session file was altered.');
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
