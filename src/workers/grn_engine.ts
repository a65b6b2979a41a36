/**
 * The gene-regulation half of the engine (in the worker): loaded GRNs, subgraphs laid out with the
 * seeded force layout, TF activity over every cell, and model-derived edges. engine.ts owns one of
 * these (`engine.regulation`) and hands it what it needs of the dataset and models through `GrnHost`.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../core/data/dataset.ts';
import type { CsrMatrix } from '../core/data/csr.ts';
import { normalizeLog1p } from '../core/data/preprocess.ts';
import type { CancelSignal, GradientFn } from '../core/attribution/batching.ts';
import { geneKey, indexGrn, parseCollectri, parseTrrust, type Grn, type GrnIndex } from '../core/graph/grn.ts';
import { detectGrnFormat, parseGrnFile, type ColumnMapping } from '../core/graph/grn_formats.ts';
import { extractRegulon, extractSubgraph, type Subgraph } from '../core/graph/subgraph.ts';
import { layoutGraph } from '../core/graph/layout.ts';
import { buildRegulons, tfActivity, ULM_MIN_TARGETS, type RegulonMatrix } from '../core/graph/tf_activity.ts';
import { decoderJacobian } from '../core/graph/jacobian.ts';
import { syntheticSubgraph } from '../core/graph/synthetic.ts';
import { correlationPairs, cosinePairs, evenSample } from '../core/graph/model_edges.ts';
import type { ProgressFn } from './protocol.ts';
import type { GraphRequest, GrnFileResult, GrnGraph, GrnSourceInfo, ModelEdgesView, TfActivityView } from './grn_protocol.ts';

/** What the GRN engine needs from the main engine: the open dataset, cancel signals and the models. */
export interface GrnHost {
  dataset(): Dataset | null;
  signal(jobId: number): CancelSignal;
  /** The models' input genes, or null before a model is loaded. */
  modelGenes(): string[] | null;
  /** Model input (log1p CP10k of the model genes) for `cells`: `[cells.length, nModelGenes]`. */
  inputRows(cells: number[]): Float32Array;
  decoder(): Promise<tf.LayersModel>;
  /** Input gradient of a class logit (fast Dense backprop when possible), or undefined for tf.grad. */
  classifierGradient(classIndex: number): Promise<GradientFn | undefined>;
  classifier(): Promise<tf.LayersModel>;
}

/** Cells whose gradient × input is correlated for the classifier's model-derived edges. */
export const ATTRIBUTION_SAMPLE_CELLS = 512;

export class GrnEngine {
  private sources = new Map<string, { index: GrnIndex; info: GrnSourceInfo }>();
  private nextFile = 1;
  /** log1p CP10k of every gene of the open dataset (or the data as is when already normalised). */
  private expression: { ds: Dataset; x: CsrMatrix; note: string } | null = null;
  private regulons = new Map<string, { ds: Dataset; regulons: RegulonMatrix }>();
  private jacobian: { key: string; values: Float32Array; dim: number } | null = null;

  constructor(private host: GrnHost) {}

  /** Loads a GRN shipped with the app ('collectri' or 'trrust') from `url`; cached after the first call. */
  async loadShipped(id: 'collectri' | 'trrust', url: string): Promise<GrnSourceInfo> {
    const have = this.sources.get(id);
    if (have) return have.info;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Could not read ${url} (HTTP ${res.status}). Check that data/grn/ is served next to the app.`);
    const text = await res.text();
    const grn = id === 'collectri' ? parseCollectri(text, 'CollecTRI') : parseTrrust(text, 'TRRUST v2');
    return this.add(id, grn, id);
  }

  /**
   * Reads a user GRN file (never uploaded). Known formats load at once; a plain table comes back
   * with its header so the user can map columns, then loads through `mapping`.
   */
  async loadFile(file: File, mapping?: ColumnMapping): Promise<GrnFileResult> {
    const text = await file.text();
    const header = detectGrnFormat(text);
    if (!mapping && (header.format === 'table' || !header.guess) && header.format !== 'scenic-regulons') {
      return { kind: 'needs-mapping', header, fileName: file.name };
    }
    const grn = parseGrnFile(text, file.name, mapping);
    if (grn.edges.length === 0) {
      const first = grn.badRows[0];
      throw new Error(
        `No row of ${file.name} could be read (${grn.badRows.length} bad rows; line ${first?.line}: ${first?.reason ?? 'empty'}). Check the column mapping.`,
      );
    }
    const id = `file:${this.nextFile++}`;
    return { kind: 'loaded', source: this.add(id, grn, mapping ? 'table' : header.format) };
  }

  private add(id: string, grn: Grn, format: GrnSourceInfo['format']): GrnSourceInfo {
    const index = indexGrn(grn);
    const targets = new Set<string>();
    for (const e of grn.edges) targets.add(geneKey(e.target));
    const regulators = [...index.outgoing.entries()]
      .map(([key, edges]) => ({ tf: index.symbols.get(key) ?? key, nTargets: new Set(edges.map((e) => geneKey(e.target))).size }))
      .sort((a, b) => b.nTargets - a.nTargets || (a.tf < b.tf ? -1 : 1));
    const info: GrnSourceInfo = {
      id,
      name: grn.name,
      format,
      nEdges: grn.edges.length,
      nRegulators: index.outgoing.size,
      nTargets: targets.size,
      badRows: grn.badRows.slice(0, 50),
      nBadRows: grn.badRows.length,
      regulators,
    };
    this.sources.set(id, { index, info });
    return info;
  }

  private source(id: string): { index: GrnIndex; info: GrnSourceInfo } {
    const s = this.sources.get(id);
    if (!s) throw new Error(`The network "${id}" is not loaded; pick it again in the source list.`);
    return s;
  }

  /** A seeded random graph of the given size, laid out like `graph` (benchmark of layout and drawing). */
  syntheticGraph(nNodes: number, nEdges: number, seed: number, widthPx: number, heightPx: number): GrnGraph {
    const t0 = performance.now();
    const sub = syntheticSubgraph(nNodes, nEdges, seed);
    const ticks = largeGraphTicks(nNodes);
    const layout = layoutGraph(sub, { seed, width: widthPx, height: heightPx, ticks });
    return withPositions({
      nodes: sub.nodes.map((nd, i) => ({ ...nd, x: layout.nodes[i].x, y: layout.nodes[i].y, isInData: true, isRegulator: nd.isSeed })),
      links: sub.links.map((l, i) => ({ ...layout.links[i], sign: l.sign, weight: l.weight, evidence: [] })),
      dropped: 0,
      sourceName: `synthetic (${nNodes} genes, ${nEdges} links, seed ${seed})`,
      nEdgesInSource: nEdges,
      mode: 'list',
      layoutMs: performance.now() - t0,
      layoutTicks: ticks,
      seed,
    });
  }

  /** Cuts the requested subgraph and lays it out (seeded d3-force, pinned genes fixed), px in the box. */
  graph(req: GraphRequest): GrnGraph {
    const t0 = performance.now();
    const { index, info } = this.source(req.sourceId);
    const present = new Set((this.host.dataset()?.genes ?? []).map(geneKey));
    const keepGene = (s: string) => present.has(geneKey(s));
    let sub: Subgraph;
    if (req.mode === 'regulon') {
      if (!req.tf) throw new Error('Pick a TF to draw its regulon.');
      sub = extractRegulon(index, req.tf, { maxTargets: req.maxNeighbours, keepGene });
    } else {
      if (req.seeds.length === 0) {
        throw new Error(
          req.mode === 'list'
            ? 'The gene list is empty: paste gene symbols separated by spaces, commas or new lines.'
            : 'There are no attributed genes yet: click a cell or select cells first.',
        );
      }
      const known = req.seeds.filter((s) => index.partners.has(geneKey(s.gene)) || index.outgoing.has(geneKey(s.gene)));
      if (known.length === 0) {
        throw new Error(`None of ${req.seeds.length} genes (${previewList(req.seeds.map((s) => s.gene))}) appears in ${info.name}.`);
      }
      sub = extractSubgraph(index, req.seeds, { hops: req.hops, maxNeighbours: req.maxNeighbours, keepGene });
    }
    const w = req.widthPx;
    const h = req.heightPx;
    const pinned = new Map((req.pinned ?? []).map(([id, x, y]) => [id, { x, y }]));
    const previous = new Map((req.previous ?? []).map(([id, x, y]) => [id, { x, y }]));
    // Genes with no link in this subgraph would be flung to the rim by the charge force and squeeze
    // the connected part; they go in a tidy strip on the left instead, sorted by |score|.
    const isLinked = new Set<string>();
    for (const l of sub.links) {
      if (l.source === l.target) continue;
      isLinked.add(l.source);
      isLinked.add(l.target);
    }
    const loose = sub.nodes.filter((n) => !isLinked.has(n.id) && !pinned.has(n.id));
    loose.sort((a, b) => Math.abs(b.score ?? 0) - Math.abs(a.score ?? 0) || (a.id < b.id ? -1 : 1));
    const rowPx = 24;
    // Room for the largest disc (13 px) and its label.
    const pad = 34;
    const perColumn = Math.max(1, Math.floor((h - 2 * pad) / rowPx) + 1);
    const columnPx = 92;
    const nColumns = Math.ceil(loose.length / perColumn);
    const stripPx = nColumns * columnPx;
    const strip = new Map(
      loose.map((n, k) => [n.id, { x: pad + Math.floor(k / perColumn) * columnPx, y: pad + (k % perColumn) * rowPx }] as const),
    );
    const core: Subgraph = {
      nodes: sub.nodes.filter((n) => !strip.has(n.id)),
      links: sub.links.filter((l) => !strip.has(l.source) && !strip.has(l.target)),
      truncated: sub.truncated,
    };
    const x0 = stripPx > 0 ? stripPx + 16 : 0;
    const wCore = Math.max(120, w - x0);
    // Lay out in a square the panel's height tall, then stretch to the panel: the force layout is
    // round and the panel is a wide strip. Pinned genes skip the stretch (they are in panel px already).
    const side = Math.max(120, Math.min(wCore, h));
    const toSquare = (p: { x: number; y: number }) => ({ x: ((p.x - x0) / wCore) * side, y: (p.y / h) * side });
    const ticks = largeGraphTicks(core.nodes.length);
    const layout = layoutGraph(core, {
      seed: req.seed,
      ticks,
      width: side,
      height: side,
      pinned: new Map([...pinned].map(([k, p]) => [k, toSquare(p)])),
      previous: new Map([...previous].map(([k, p]) => [k, toSquare(p)])),
      isFitSkipped: pinned.size > 0,
    });
    const at = new Map(layout.nodes.map((p) => [p.id, p]));
    const xs = layout.nodes.map((p) => p.x);
    const ys = layout.nodes.map((p) => p.y);
    const fit = (values: number[], offset: number, length: number) => {
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      return (v: number) => (hi > lo ? offset + pad + ((v - lo) / (hi - lo)) * (length - 2 * pad) : offset + length / 2);
    };
    const sx = pinned.size > 0 ? (v: number) => x0 + (v / side) * wCore : fit(xs, x0, wCore);
    const sy = pinned.size > 0 ? (v: number) => (v / side) * h : fit(ys, 0, h);
    const indexOf = new Map(sub.nodes.map((n, i) => [n.id, i]));
    const place = (id: string) => strip.get(id) ?? pinned.get(id) ?? { x: sx(at.get(id)!.x), y: sy(at.get(id)!.y) };
    return withPositions({
      nodes: sub.nodes.map((nd) => {
        const p = place(nd.id);
        return {
          ...nd,
          x: p.x,
          y: p.y,
          isInData: present.has(geneKey(nd.id)),
          isRegulator: index.outgoing.has(geneKey(nd.id)),
        };
      }),
      links: sub.links.map((l) => ({
        source: indexOf.get(l.source)!,
        target: indexOf.get(l.target)!,
        sign: l.sign,
        weight: l.weight,
        evidence: l.evidence.map((e) => ({ source: e.source, sign: e.sign, weight: e.weight, pmids: e.pmids, confidence: e.confidence })),
      })),
      dropped: sub.truncated.dropped,
      sourceName: info.name,
      nEdgesInSource: info.nEdges,
      mode: req.mode,
      layoutMs: performance.now() - t0,
      layoutTicks: ticks,
      seed: req.seed,
    });
  }

  /** Expression of the open dataset, log1p CP10k of every gene (computed once per dataset). */
  private expressionMatrix(): { x: CsrMatrix; note: string; ds: Dataset } {
    const ds = this.host.dataset();
    if (!ds) throw new Error('Open a dataset first: TF activity is computed from its expression.');
    if (this.expression?.ds !== ds) {
      const isCounts = ds.valueKind === 'counts';
      this.expression = {
        ds,
        x: isCounts ? normalizeLog1p(ds.matrix, 1e4) : ds.matrix,
        note: isCounts
          ? `log1p of counts per 10k over all ${ds.matrix.nCols.toLocaleString('en-US')} genes`
          : `the file's normalised values over all ${ds.matrix.nCols.toLocaleString('en-US')} genes (not normalised again)`,
      };
      this.regulons.clear();
    }
    return this.expression;
  }

  /**
   * ULM TF activity (t of the slope; weighted mean below `ULM_MIN_TARGETS` targets) of every TF of
   * `sourceId` in every cell, sparse, in chunks with progress and cancel. The scores are transferred.
   */
  async tfActivity(jobId: number, sourceId: string, onProgress?: ProgressFn): Promise<TfActivityView> {
    const t0 = performance.now();
    const { index, info } = this.source(sourceId);
    const { x, note, ds } = this.expressionMatrix();
    let cached = this.regulons.get(sourceId);
    if (cached?.ds !== ds) {
      cached = { ds, regulons: buildRegulons(index.grn.edges, ds.genes) };
      this.regulons.set(sourceId, cached);
    }
    if (cached.regulons.tfs.length === 0) {
      throw new Error(`No target of ${info.name} is a gene of ${ds.name}: check that both use gene symbols of the same species.`);
    }
    const result = await tfActivity(x, cached.regulons, {
      signal: this.host.signal(jobId),
      onProgress: (f) => onProgress?.(f, 'TF activity'),
    });
    const view: TfActivityView = {
      sourceId,
      sourceName: info.name,
      tfs: result.tfs,
      nCells: result.nCells,
      scores: result.scores,
      methods: result.methods,
      nTargets: result.nTargets,
      minTargets: ULM_MIN_TARGETS,
      nGenes: x.nCols,
      input: note,
      ms: performance.now() - t0,
    };
    return Comlink.transfer(view, [result.scores.buffer]);
  }

  /** Mean expression (log1p CP10k) of `genes` over the cells with mask = 1; NaN for genes not in the data. */
  meanExpression(genes: string[], mask: Uint8Array): Float32Array {
    const { x, ds } = this.expressionMatrix();
    const column = new Map<string, number>();
    ds.genes.forEach((g, j) => {
      if (!column.has(geneKey(g))) column.set(geneKey(g), j);
    });
    const slot = new Int32Array(x.nCols).fill(-1);
    genes.forEach((g, i) => {
      const j = column.get(geneKey(g));
      if (j !== undefined && slot[j] < 0) slot[j] = i;
    });
    const sums = new Float64Array(genes.length);
    let n = 0;
    for (let c = 0; c < x.nRows; c++) {
      if (!mask[c]) continue;
      n++;
      for (let k = x.indptr[c]; k < x.indptr[c + 1]; k++) {
        const i = slot[x.indices[k]];
        if (i >= 0) sums[i] += x.data[k];
      }
    }
    return Float32Array.from(genes, (g, i) => (column.has(geneKey(g)) && n > 0 ? sums[i] / n : NaN));
  }

  /**
   * Model-derived edges among `genes` (those that are model inputs) with |value| >= threshold:
   * - 'decoder-jacobian': cosine similarity of rows of the VAE decoder's Jacobian ∂x̂_g/∂z at `meanLatent`,
   *   computed exactly with tf.grad (one backward pass over a diagonal trick), not finite differences;
   * - 'attribution-correlation': Pearson correlation of the classifier's gradient × input for
   *   `classIndex`'s logit over ATTRIBUTION_SAMPLE_CELLS cells spread evenly over the dataset.
   */
  async modelEdges(
    kind: ModelEdgesView['kind'],
    genes: string[],
    threshold: number,
    options: { meanLatent?: Float32Array; classIndex?: number },
  ): Promise<ModelEdgesView> {
    const t0 = performance.now();
    const modelGenes = this.host.modelGenes();
    if (!modelGenes) throw new Error('Load a model first: model-derived edges come from its gradients.');
    const at = new Map<string, number>();
    modelGenes.forEach((g, j) => at.set(geneKey(g), j));
    const kept = genes.filter((g) => at.has(geneKey(g)));
    const cols = kept.map((g) => at.get(geneKey(g))!);
    if (kind === 'decoder-jacobian') {
      const z = options.meanLatent;
      if (!z) throw new Error('The VAE has not encoded the cells yet; wait for "Encoding every cell" to finish.');
      const jac = await this.decoderJacobian(z, modelGenes.length);
      return {
        kind,
        genes: kept,
        edges: cosinePairs(jac, z.length, cols, threshold),
        method: `cosine similarity of decoder Jacobian rows ∂x̂_g/∂z at the mean latent (tf.grad, exact; ${z.length} latent dims)`,
        ms: performance.now() - t0,
      };
    }
    const ds = this.host.dataset();
    if (!ds) throw new Error('Open a dataset first.');
    const cells = evenSample(ds.matrix.nRows, ATTRIBUTION_SAMPLE_CELLS);
    const gxi = await this.gradTimesInput(cells, options.classIndex ?? 0, modelGenes.length);
    return {
      kind,
      genes: kept,
      edges: correlationPairs(gxi, modelGenes.length, cols, threshold),
      method: `Pearson correlation of gradient × input (logit of class ${options.classIndex ?? 0}) over ${cells.length} cells sampled evenly`,
      ms: performance.now() - t0,
    };
  }

  /** `[nGenes, latentDim]` Jacobian of the decoder at z: row g is ∂x̂_g/∂z. Cached per z. */
  private async decoderJacobian(z: Float32Array, nGenes: number): Promise<Float32Array> {
    const key = `${tf.getBackend()}:${Array.from(z).join(',')}`;
    if (this.jacobian?.key === key) return this.jacobian.values;
    const decoder = await this.host.decoder();
    const d = z.length;
    const values = await decoderJacobian(tf, (t) => decoder.apply(t) as tf.Tensor2D, z, nGenes);
    this.jacobian = { key, values, dim: d };
    return values;
  }

  /** `[cells.length, nGenes]` gradient × input of one class logit. */
  private async gradTimesInput(cells: number[], classIndex: number, nGenes: number): Promise<Float32Array> {
    const x = this.host.inputRows(cells);
    const fast = await this.host.classifierGradient(classIndex);
    const classifier = await this.host.classifier();
    const out = tf.tidy(() => {
      const batch = tf.tensor2d(x, [cells.length, nGenes]);
      const grad = fast
        ? fast(batch, new Int32Array(cells.length)).grad
        : tf.grad((t: tf.Tensor) => tf.sum(tf.gather(classifier.apply(t) as tf.Tensor2D, [classIndex], 1)))(batch);
      return tf.mul(grad, batch);
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  }
}

/**
 * Simulation ticks: d3's 300 up to 1,000 genes; 150 above, where each tick costs O(n log n) and the
 * layout is already settled (alpha ≈ 0.03) — halves the wait at 5k genes.
 */
export function largeGraphTicks(nNodes: number): number {
  return nNodes > 1000 ? 150 : 300;
}

/** Adds the nodes' positions as one Float32Array and marks it for transfer to the page. */
function withPositions(graph: Omit<GrnGraph, 'positions'>): GrnGraph {
  const positions = new Float32Array(graph.nodes.length * 2);
  graph.nodes.forEach((n, i) => {
    positions[2 * i] = n.x;
    positions[2 * i + 1] = n.y;
  });
  return Comlink.transfer({ ...graph, positions }, [positions.buffer]);
}

function previewList(genes: string[]): string {
  return genes.length > 5 ? `${genes.slice(0, 5).join(', ')}…` : genes.join(', ');
}
