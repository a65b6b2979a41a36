/**
 * State of the Traverse tab: a path through the VAE's latent space (one axis through a cell or a
 * group's centroid, or the line between two groups' centroids), a slider position on it, the
 * decoder's output there (decoded live in the worker; stale requests are cancelled), the genes that
 * change most, and the path as drawn over the scatter.
 */
import type { AppState } from './app.svelte.ts';
import type { EngineRemote } from '../workers/client.ts';
import { runJob } from '../workers/client.ts';
import {
  applyAffine,
  axisPath,
  fitAffine,
  latentCentroid,
  latentRange,
  linePath,
  pointAt,
  projectThroughNeighbours,
  samplePath,
  topAlongPath,
  topChanges,
  type LatentPath,
} from '../core/embedding/traversal.ts';
import { groupLabel, groupMask, type GroupKey } from './groups.ts';
import { isCancellation } from './track.ts';

/** Points the path is sampled at for the heat strip and the overlay. */
export const STRIP_STEPS = 25;
/** Genes in the bar chart and the heat strip. */
export const TOP_GENES = 15;
/** A layout is treated as linear in z when an affine fit explains this much of each axis. */
const LINEAR_R2 = 0.9999;

/** Where the traversal starts: the clicked cell, or a group's centroid. */
export type TraverseOrigin = { kind: 'cell' } | { kind: 'group'; key: GroupKey };

export class TraverseState {
  mode = $state<'axis' | 'line'>('axis');
  origin = $state<TraverseOrigin>({ kind: 'group', key: 'selection' });
  axis = $state(0);
  lineFrom = $state<GroupKey>('selection');
  lineTo = $state<GroupKey>('secondary');
  /** Slider position: z_axis in axis mode, the fraction from `lineFrom` to `lineTo` in line mode. */
  t = $state(0);
  path = $state.raw<LatentPath | null>(null);
  /** The slider's start value (the origin's own z_axis, or 0 on a line): the reference for changes. */
  tStart = $state(0);
  originLabel = $state('');
  error = $state<string | null>(null);
  reference = $state.raw<Float32Array | null>(null);
  now = $state.raw<Float32Array | null>(null);
  decodeMs = $state<number | null>(null);
  strip = $state.raw<{ t: Float64Array; decoded: Float32Array; top: { gene: number; range: number }[] } | null>(null);
  /** The sampled path `[STRIP_STEPS, 2]` and the current point `[2]` in the current layout's data units. */
  overlay = $state.raw<{ path: Float32Array; point: Float32Array; isExact: boolean; note: string } | null>(null);
  private pending: ReturnType<typeof setTimeout> | null = null;
  private inFlight: { cancel: () => void } | null = null;
  private request = 0;
  /** Cache of the layout fit: recomputed when the layout's positions array changes. */
  private fitFor: { positions: Float32Array; z: Float32Array; isExact: boolean; fit: ReturnType<typeof fitAffine> } | null = null;

  constructor(
    private app: AppState,
    private engine: EngineRemote,
  ) {}

  get latentDim(): number {
    return this.app.latent?.latentDim ?? 0;
  }

  /** Genes of the decoder's output (the model's input genes). */
  get genes(): string[] {
    return this.app.models?.vae.input.genes ?? [];
  }

  /** Top changes at the slider against the start point. */
  get changes(): { gene: string; change: number; value: number }[] {
    if (!this.reference || !this.now) return [];
    const now = this.now;
    return topChanges(this.reference, now, TOP_GENES).map((c) => ({ gene: this.genes[c.gene], change: c.change, value: now[c.gene] }));
  }

  /** Builds the path from the settings, decodes the strip and the start point. */
  async setup(): Promise<void> {
    this.error = null;
    const latent = this.app.latent;
    if (!latent || !this.app.models) {
      this.error = 'The VAE has not encoded the cells yet; wait for "Ready".';
      return;
    }
    const dim = latent.latentDim;
    try {
      let path: LatentPath;
      let tStart: number;
      if (this.mode === 'axis') {
        let origin: Float64Array;
        if (this.origin.kind === 'cell') {
          const cell = this.app.selectedCell;
          if (cell === null) throw new Error('No cell is picked. Click a cell in the scatter, or start from a group centroid.');
          origin = Float64Array.from(latent.z.subarray(cell * dim, (cell + 1) * dim));
          this.originLabel = `cell ${this.app.dataset?.cellIds[cell] ?? cell}`;
        } else {
          origin = latentCentroid(latent.z, dim, groupMask(this.app, this.origin.key));
          this.originLabel = `centroid of ${groupLabel(this.app, this.origin.key)}`;
        }
        const axis = Math.min(Math.max(0, this.axis), dim - 1);
        const [lo, hi] = latentRange(latent.z, dim, axis);
        tStart = origin[axis];
        path = axisPath(origin, axis, Math.min(lo, tStart), Math.max(hi, tStart));
      } else {
        const a = groupMask(this.app, this.lineFrom);
        const b = groupMask(this.app, this.lineTo, a);
        path = linePath(latentCentroid(latent.z, dim, a), latentCentroid(latent.z, dim, b));
        tStart = 0;
        this.originLabel = `${groupLabel(this.app, this.lineFrom)} → ${this.lineTo === 'rest' ? 'the rest' : groupLabel(this.app, this.lineTo)}`;
      }
      this.path = path;
      this.tStart = tStart;
      this.t = tStart;
      const sampled = samplePath(path, STRIP_STEPS);
      const points = new Float32Array(sampled.z.length + 2 * dim);
      points.set(sampled.z);
      points.set(pointAt(path, tStart), sampled.z.length);
      const { decoded } = await runJob(
        this.engine,
        (id) => this.engine.decodeLatent(id, points),
        () => {},
      ).result;
      const g = this.genes.length;
      const stripDecoded = decoded.slice(0, STRIP_STEPS * g);
      this.reference = decoded.slice(STRIP_STEPS * g, (STRIP_STEPS + 1) * g);
      this.now = this.reference;
      this.strip = { t: sampled.t, decoded: stripDecoded, top: topAlongPath(stripDecoded, STRIP_STEPS, TOP_GENES) };
      this.updateOverlay();
    } catch (err) {
      this.path = null;
      this.strip = null;
      this.overlay = null;
      this.error = (err as Error).message;
    }
  }

  /** Moves the slider: the decoder runs after a short debounce; a newer position cancels an older one. */
  setT(t: number): void {
    this.t = t;
    this.updateOverlay();
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.decodeNow(), 12);
  }

  private async decodeNow(): Promise<void> {
    const path = this.path;
    if (!path) return;
    this.inFlight?.cancel();
    const req = ++this.request;
    const job = runJob(
      this.engine,
      (id) => this.engine.decodeLatent(id, pointAt(path, this.t)),
      () => {},
    );
    this.inFlight = job;
    try {
      const { decoded, ms } = await job.result;
      if (req !== this.request || path !== this.path) return;
      this.now = decoded;
      this.decodeMs = ms;
    } catch (err) {
      if (!isCancellation(err)) this.error = (err as Error).message;
    }
  }

  /** Projects the sampled path and the current point into the current layout (exactly when it is linear in z). */
  updateOverlay(): void {
    const path = this.path;
    const latent = this.app.latent;
    const positions = this.app.positions;
    if (!path || !latent || !positions || positions.length !== (latent.z.length / latent.latentDim) * 2) {
      this.overlay = null;
      return;
    }
    const dim = latent.latentDim;
    if (!this.fitFor || this.fitFor.positions !== positions || this.fitFor.z !== latent.z) {
      const fit = fitAffine(latent.z, dim, positions);
      this.fitFor = { positions, z: latent.z, fit, isExact: fit.r2[0] > LINEAR_R2 && fit.r2[1] > LINEAR_R2 };
    }
    const { fit, isExact } = this.fitFor;
    const sampled = samplePath(path, STRIP_STEPS).z;
    const current = pointAt(path, this.t);
    const project = (pts: Float32Array) =>
      isExact ? applyAffine(fit, pts, dim) : projectThroughNeighbours(pts, latent.z, dim, positions, 10);
    this.overlay = {
      path: project(sampled),
      point: project(current),
      isExact,
      note: isExact
        ? 'The path drawn is exact: this layout is a linear map of the latent space.'
        : "This layout is not a linear map of the latent space, so the path can't be drawn exactly: each point is placed at the mean position of its 10 nearest cells in latent space.",
    };
  }

  /** Forget everything (another dataset or model). */
  reset(): void {
    this.inFlight?.cancel();
    this.path = null;
    this.strip = null;
    this.overlay = null;
    this.reference = null;
    this.now = null;
    this.fitFor = null;
    this.error = null;
  }
}
