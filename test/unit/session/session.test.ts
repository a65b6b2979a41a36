import { describe, expect, it } from 'vitest';
import { decodeCellSet, encodeCellSet } from '../../../src/core/session/cell_set_codec.ts';
import {
  cellsRef,
  hashToView,
  parseViewState,
  viewToHash,
  VIEW_SCHEMA_VERSION,
  type ViewState,
} from '../../../src/core/session/view_state.ts';
import { annotationsCsv, base64ToBytes, buildSession, bytesToBase64, parseSession } from '../../../src/core/session/session_file.ts';

const HASH = 'a'.repeat(64);

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const view: ViewState = {
  schemaVersion: VIEW_SCHEMA_VERSION,
  datasetHash: HASH,
  datasetName: 'PBMC 3k',
  model: 'clf + vae',
  layout: 'latent_pca',
  colorBy: 'label',
  hiddenCategories: [2, 5],
  selection: cellsRef([0, 1, 2, 900, 2637]),
  camera: { k: 2.5, x: -0.25, y: 0.125 },
  panel: 'explain',
  selectedCell: 17,
};

describe('cell set codec', () => {
  it('round-trips random subsets exactly, and a contiguous run costs a byte per cell', () => {
    const rnd = seeded(7);
    for (const p of [0, 0.001, 0.1, 0.5, 1]) {
      const cells: number[] = [];
      for (let i = 0; i < 100_000; i++) if (rnd() < p) cells.push(i);
      const text = encodeCellSet(cells);
      expect(Array.from(decodeCellSet(text, 100_000))).toEqual(cells);
    }
    // gaps of 0 are one byte each: 1,000 cells -> 1,000 bytes -> 1,334 base64 characters.
    expect(encodeCellSet(Array.from({ length: 1000 }, (_, i) => i))).toHaveLength(1334);
    // a gap of 2^20 needs three varint bytes.
    expect(encodeCellSet([2 ** 20])).toHaveLength(4);
    expect(Array.from(decodeCellSet(encodeCellSet([2 ** 20, 2 ** 20 + 1]), 2 ** 21))).toEqual([2 ** 20, 2 ** 20 + 1]);
  });

  it('refuses altered, truncated and foreign cell lists with a sentence', () => {
    expect(() => decodeCellSet('ab<c', 10)).toThrow(/not base64url/);
    expect(() => decodeCellSet(encodeCellSet([5, 9]), 8)).toThrow(/refers to cell 10, but this dataset has 8 cells/);
    expect(() => decodeCellSet('_w', 100)).toThrow(/ends in the middle of a number/);
    expect(() => encodeCellSet([3, 3])).toThrow(/ascending/);
  });
});

describe('view state', () => {
  it('survives the URL hash', () => {
    const hash = viewToHash(view);
    expect(hash.startsWith('#v=1&ds=')).toBe(true);
    const back = hashToView(hash);
    expect(back).toEqual({ ...view, datasetName: '', model: '' });
    // Saved-selection references and a missing camera too.
    const other = hashToView(viewToHash({ ...view, selection: { kind: 'saved', id: 'sel-1' }, camera: null, selectedCell: null }));
    expect(other.selection).toEqual({ kind: 'saved', id: 'sel-1' });
    expect(other.camera).toBeNull();
  });

  it('rejects untrusted links with sentences that name the field', () => {
    expect(() => hashToView('#v=1&layout=latent_pca')).toThrow(/no color parameter/);
    expect(() => hashToView('#v=9&layout=a&color=b')).toThrow(/newer Glasswing/);
    expect(() => hashToView('#v=1&layout=a&color=b&cam=1,x,2')).toThrow(/"x" is not a number/);
    expect(() => hashToView('#v=1&layout=a&color=b&ds=abc')).toThrow(/64 hexadecimal digits/);
    expect(() => hashToView('#v=1&layout=a&color=b&cell=-3')).toThrow(/selectedCell: -3 is outside/);
    expect(() => hashToView('#v=1&layout=a&color=b&sel=q:1')).toThrow(/s:<saved selection id>/);
    expect(() => parseViewState({ ...view, camera: { k: 0, x: 0, y: 0 } })).toThrow(/camera\.k: 0 is outside/);
  });
});

describe('session file', () => {
  const session = buildSession(
    {
      dataset: { hash: HASH, name: 'PBMC 3k', fileName: 'pbmc3k', nCells: 2638, nGenes: 13714 },
      view,
      steps: [{ id: 'st-1', title: 'B cells', note: 'MS4A1 <b>drives</b> it', view }],
      selections: [{ id: 'sel-1', name: 'odd "cluster", 1', note: 'n', cells: encodeCellSet([1, 3]), nCells: 2 }],
      annotations: {
        clusters: [{ column: 'label', category: 'B', name: 'B cells', note: '' }],
        genes: [{ gene: 'CD74', tags: ['wet-lab follow-up'], note: 'check' }],
      },
      settings: { baseline: 'zeros', steps: 50 },
    },
    { app: 'glasswing 0.1.0', datasetName: 'PBMC 3k', datasetHash: HASH, date: '2026-01-01T00:00:00Z', backend: 'wasm' },
  );

  it('round-trips through JSON, provenance included', () => {
    const back = parseSession(JSON.stringify(session));
    expect(back).toEqual(session);
    expect(back.provenance).toMatchObject({ app: 'glasswing 0.1.0', dataset_sha256: HASH, backend: 'wasm' });
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parseSession('{not json')).toThrow(/is not valid JSON/);
    expect(() => parseSession('[]')).toThrow(/not a Glasswing session/);
    expect(() => parseSession(JSON.stringify({ format: 'other' }))).toThrow(/"format" is "other"/);
    expect(() => parseSession(JSON.stringify({ ...session, schemaVersion: 2 }))).toThrow(/newer Glasswing/);
    expect(() => parseSession(JSON.stringify({ ...session, dataset: { ...session.dataset, hash: 'x' } }))).toThrow(/dataset\.hash/);
    expect(() => parseSession(JSON.stringify({ ...session, steps: [{ id: 's', view: { ...view, layout: 7 } }] }))).toThrow(
      /steps\[0\]\.view\.layout: expected text/,
    );
    expect(() => parseSession(JSON.stringify({ ...session, data: { format: 'glasswing-compact', base64: '<script>' } }))).toThrow(
      /not base64/,
    );
  });

  it('exports annotations as CSV with provenance, quoting names that hold commas and quotes', () => {
    const csv = annotationsCsv(
      { clusters: session.annotations.clusters, genes: session.annotations.genes, selections: session.selections },
      { app: 'glasswing 0.1.0', datasetHash: HASH, date: '2026-01-01T00:00:00Z' },
    );
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('# Glasswing annotations');
    expect(lines).toContain(`# dataset_sha256=${HASH}`);
    expect(lines).toContain('kind,target,name,tags,note,n_cells');
    expect(lines).toContain('selection,sel-1,"odd ""cluster"", 1",,n,2');
    expect(lines).toContain('cluster,label=B,B cells,,,');
    expect(lines).toContain('gene,CD74,CD74,wet-lab follow-up,check,');
  });

  it('base64 of a dataset body round-trips byte for byte', () => {
    const rnd = seeded(3);
    const bytes = Uint8Array.from({ length: 100_001 }, () => Math.floor(rnd() * 256));
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });
});

describe('embedded dataset', async () => {
  const { packDataset, unpackDataset } = await import('../../../src/core/session/embedded_dataset.ts');
  const { readFileSync } = await import('node:fs');
  const { decodeCompact } = await import('../../../src/core/data/compact_format.ts');
  it('packs the demo dataset and unpacks it to the same matrix, names and metadata', () => {
    const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8'));
    const body = readFileSync('public/data/pbmc3k/dataset.bin');
    const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    const packed = packDataset(ds);
    const back = unpackDataset(packed);
    expect(back.matrix.nRows).toBe(2638);
    expect(Array.from(back.matrix.indptr)).toEqual(Array.from(ds.matrix.indptr));
    expect(Array.from(back.matrix.indices.subarray(0, 5000))).toEqual(Array.from(ds.matrix.indices.subarray(0, 5000)));
    expect(Array.from(back.matrix.data.subarray(0, 5000))).toEqual(Array.from(ds.matrix.data.subarray(0, 5000)));
    expect(back.genes).toEqual(ds.genes);
    expect(back.cellIds).toEqual(ds.cellIds);
    expect(Object.keys(back.obs)).toEqual(Object.keys(ds.obs));
    expect(() => unpackDataset(packed.subarray(0, 100))).toThrow(/damaged/);
    expect(() => unpackDataset(new Uint8Array(20))).toThrow(/does not start with GWDS1/);
  });
});

describe('base64 against Node', () => {
  it('matches Buffer for every length remainder, and refuses foreign characters', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 65_537]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 256);
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(b64)).toEqual(bytes);
    }
    expect(() => base64ToBytes('ab$d')).toThrow(/not base64/);
  });
});

describe('panel fields in a view', () => {
  it('carry plain JSON through links and files, and refuse oversized or non-object values', () => {
    const withExtra = { ...view, extra: { compare: { groupA: 'sel-1', test: 'wilcoxon' }, graph: { focus: 'STAT1' } } };
    expect(hashToView(viewToHash(withExtra)).extra).toEqual(withExtra.extra);
    expect(parseViewState(JSON.parse(JSON.stringify(withExtra))).extra).toEqual(withExtra.extra);
    expect(() => parseViewState({ ...view, extra: [1, 2] })).toThrow(/view\.extra: expected an object/);
    expect(() => parseViewState({ ...view, extra: { big: 'x'.repeat(300_000) } })).toThrow(/at most 200,000/);
    expect(() => hashToView('#v=1&layout=a&color=b&ext=%7Bnope')).toThrow(/ext: is not JSON/);
  });
});
