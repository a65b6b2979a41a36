/**
 * Sessions, links and story playback: captures the current view as a ViewState, applies one
 * (reopening its dataset from the cache when needed), keeps the URL hash in step with the view,
 * and saves/opens whole sessions. Untrusted input (files, links) is validated in core/session and
 * every problem reaches the page as a sentence.
 */
import { encodeCellSet, decodeCellSet } from '../core/session/cell_set_codec.ts';
import { base64ToBytes, buildSession, bytesToBase64, parseSession, type SessionFile } from '../core/session/session_file.ts';
import {
  cellsRef,
  hashToView,
  isViewHash,
  viewToHash,
  VIEW_SCHEMA_VERSION,
  type Camera,
  type ViewState,
} from '../core/session/view_state.ts';
import { tick } from 'svelte';
import type { EngineRemote } from '../workers/client.ts';
import { PANEL_TABS, type AppState, type PanelTab } from './app.svelte.ts';
import { indicesToMask, maskToIndices } from './selection.svelte.ts';

/** What the scatter offers for the camera (LatentScatter's getView/setView). */
export interface CameraControl {
  getView(): Camera;
  setView(view: Camera | null, isAnimated?: boolean): void;
  /** Let the colour changes a view brings blend in rather than jump (story steps). */
  armTransitions?(): void;
}

/**
 * A panel's own part of a view (the Compare tab's groups, the graph's focus...): captured into
 * steps, sessions and links under its key, and applied when a view is shown. Values are plain JSON.
 */
export interface ViewField {
  capture(): unknown;
  apply(value: unknown): void | Promise<void>;
}

/** The dataset a session or link needs, as the page names it to the user. */
interface NeededDataset {
  hash: string;
  name: string;
  fileName?: string;
  nCells?: number;
  nGenes?: number;
}

export class SessionController {
  /** A sentence for the page: what a session or link needs, or why it could not be applied. */
  notice = $state<string | null>(null);
  /** A session waiting for its dataset to be dropped in. */
  pending = $state.raw<SessionFile | null>(null);
  /** A link (URL hash) read at start-up, applied once the app is ready. */
  private initialLink: string | null = null;
  /** A link's view waiting for its dataset. */
  private pendingView: ViewState | null = null;
  private demoHash: string | null = null;
  private camera: () => CameraControl | undefined = () => undefined;
  private isApplying = false;
  private fields = new Map<string, ViewField>();
  private stopEffects: () => void;

  constructor(
    private app: AppState,
    private engine: EngineRemote,
  ) {
    this.initialLink = typeof location !== 'undefined' && isViewHash(location.hash) ? location.hash : null;
    this.stopEffects = $effect.root(() => {
      $effect(() => {
        const ds = this.app.dataset;
        if (ds?.source === 'demo') this.demoHash = ds.hash;
      });
      // Once the models have run (latent layout ready): apply a waiting link or session.
      $effect(() => {
        const isReady = this.app.latentPca !== null;
        const hash = this.app.dataset?.hash;
        if (!isReady || !hash) return;
        if (this.initialLink) {
          const link = this.initialLink;
          this.initialLink = null;
          void this.openLink(link);
        } else if (this.pending && this.pending.dataset.hash === hash) {
          const session = this.pending;
          this.pending = null;
          void this.applySession(session);
        } else if (this.pendingView && this.pendingView.datasetHash === hash) {
          const view = this.pendingView;
          this.pendingView = null;
          void this.applyView(view);
        }
      });
      // Keep the URL hash in step with the view, so the address bar is always a link to it.
      $effect(() => {
        void [
          this.app.layout,
          this.app.colorBy,
          this.app.hiddenCategories,
          this.app.selection.primary,
          this.app.selectedCell,
          this.app.panel,
        ];
        if (!this.app.latentPca || this.initialLink || this.isApplying) return;
        this.syncHash();
      });
    });
  }

  /** Let the controller read and move the scatter's camera. */
  attachCamera(get: () => CameraControl | undefined): void {
    this.camera = get;
  }

  /** Register a panel's part of the view under `key`; returns the function that unregisters it. */
  registerViewField(key: string, field: ViewField): () => void {
    this.fields.set(key, field);
    return () => {
      if (this.fields.get(key) === field) this.fields.delete(key);
    };
  }

  dispose(): void {
    this.stopEffects();
  }

  /** The current view as serialisable state. */
  captureView(): ViewState {
    const app = this.app;
    const primary = app.selection.primary;
    return {
      schemaVersion: VIEW_SCHEMA_VERSION,
      datasetHash: app.dataset?.hash ?? '',
      datasetName: app.dataset?.name ?? '',
      model: app.models ? `${app.models.classifier.name} + ${app.models.vae.name}` : '',
      layout: app.layout,
      colorBy: app.colorBy,
      hiddenCategories: [...app.hiddenCategories].sort((a, b) => a - b),
      selection: primary ? cellsRef(maskToIndices(primary)) : null,
      camera: this.camera()?.getView() ?? null,
      panel: app.panel,
      selectedCell: app.selectedCell,
      ...(this.fields.size ? { extra: Object.fromEntries([...this.fields].map(([k, f]) => [k, f.capture()])) } : {}),
    };
  }

  /** A link to the current view: this page's address with the view in the hash. */
  linkToView(): string {
    return location.href.replace(/#.*$/, '') + viewToHash(this.captureView());
  }

  /** Write the current view into the address bar without adding a history entry. */
  syncHash(): void {
    if (typeof history === 'undefined') return;
    history.replaceState(history.state, '', viewToHash(this.captureView()));
  }

  /** Save the current view as a story step; the title defaults to what the view shows. */
  saveStep(title?: string, note = ''): void {
    const view = this.captureView();
    const layout = this.app.layouts.find((l) => l.key === view.layout)?.label ?? view.layout;
    const colour = view.colorBy === 'predicted' ? 'predicted type' : view.colorBy === 'label' ? 'cell type' : view.colorBy;
    this.app.story.add(view, title ?? `${colour} on ${layout}`, note);
  }

  /**
   * Make `need` the open dataset: already open, the bundled demo, or in the cache. Otherwise sets
   * a notice naming the file to drop in and returns false.
   */
  private async ensureDataset(need: NeededDataset): Promise<boolean> {
    if (!need.hash || this.app.dataset?.hash === need.hash) return true;
    if (need.hash === this.demoHash) await this.app.openDemo();
    else if (this.app.cached.some((c) => c.hash === need.hash)) await this.app.reopen(need.hash);
    if (this.app.dataset?.hash === need.hash) return true;
    const cached = this.app.cached.find((c) => c.hash === need.hash);
    const fileName = need.fileName || cached?.sourceFileName;
    const size = need.nCells ? ` (${need.nCells.toLocaleString()} cells × ${(need.nGenes ?? 0).toLocaleString()} genes)` : '';
    this.notice =
      `This view was saved on “${need.name || 'a dataset'}”${size}, SHA-256 ${need.hash.slice(0, 12)}…, which is not in this browser's cache. ` +
      (fileName ? `Drop ${fileName} onto the page (or use Open files…), ` : 'Open that dataset’s file (drop it onto the page), ') +
      'and the view opens by itself.';
    return false;
  }

  /** Apply a view: dataset, layout, colouring, selection, camera, panel and explained cell. */
  async applyView(view: ViewState, options: { isAnimated?: boolean; fileName?: string } = {}): Promise<boolean> {
    const app = this.app;
    if (!(await this.ensureDataset({ hash: view.datasetHash, name: view.datasetName, fileName: options.fileName }))) {
      if (!this.pending) this.pendingView = view;
      return false;
    }
    this.isApplying = true;
    const problems: string[] = [];
    try {
      const nCells = app.dataset?.nCells ?? 0;
      // A gene colouring fetches its column first, so the colour changes in one go with the rest of the view.
      if (view.colorBy.startsWith('gene:')) await app.explore.loadGene(view.colorBy.slice('gene:'.length));
      // From here on the view's changes land together; the scatter blends its colours in (story steps, links).
      if (options.isAnimated ?? true) this.camera()?.armTransitions?.();
      if (app.layouts.some((l) => l.key === view.layout)) app.layout = view.layout as typeof app.layout;
      else problems.push(`the layout ${view.layout} is not available for this dataset`);
      const isColour =
        view.colorBy === 'predicted' ||
        app.categoricalColumns.includes(view.colorBy) ||
        view.colorBy in app.columns ||
        app.explore.colorOptions.some((o) => o.key === view.colorBy);
      if (isColour) {
        app.colorBy = view.colorBy;
        app.hiddenCategories = new Set(view.hiddenCategories);
      } else problems.push(`the colouring “${view.colorBy}” is not available`);
      if (!view.selection) app.selection.primary = null;
      else if (view.selection.kind === 'saved') {
        const id = view.selection.id;
        const saved = app.selection.saved.find((s) => s.id === id);
        if (saved) app.selection.primary = indicesToMask(saved.cells, nCells);
        else problems.push(`the saved selection ${id} is not in this session`);
      } else {
        try {
          const cells = decodeCellSet(view.selection.cells, nCells);
          app.selection.primary = cells.length ? indicesToMask(cells, nCells) : null;
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      app.panel = (PANEL_TABS as readonly string[]).includes(view.panel) ? (view.panel as PanelTab) : 'explain';
      // Let the scatter take the new layout first: a layout switch refits the camera, which would undo ours.
      await tick();
      this.camera()?.setView(view.camera, options.isAnimated ?? true);
      if (view.selectedCell !== null && view.selectedCell < nCells) {
        if (view.selectedCell !== app.selectedCell) void app.explainCell(view.selectedCell);
      } else if (view.selectedCell !== null) problems.push(`cell ${view.selectedCell + 1} does not exist in this dataset`);
      for (const [key, value] of Object.entries(view.extra ?? {})) {
        const field = this.fields.get(key);
        if (!field) problems.push(`the ${key} settings (no open panel reads them)`);
        else {
          try {
            await field.apply(value);
          } catch (e) {
            problems.push(`the ${key} settings: ${(e as Error).message}`);
          }
        }
      }
    } finally {
      this.isApplying = false;
    }
    this.notice = problems.length ? `Part of this view could not be restored: ${problems.join('; ')}.` : null;
    this.syncHash();
    return true;
  }

  /** Open a link's view (a URL hash). */
  async openLink(hash: string): Promise<void> {
    try {
      await this.applyView(hashToView(hash));
    } catch (e) {
      this.notice = `This link cannot be opened: ${(e as Error).message}`;
    }
  }

  /** The session as a JSON document (with the raw data base64-embedded when asked for). */
  async sessionJson(includeData: boolean): Promise<{ text: string; fileName: string }> {
    const app = this.app;
    const ds = app.dataset;
    if (!ds) throw new Error('Open a dataset before saving a session.');
    const session = buildSession(
      {
        dataset: { hash: ds.hash, name: ds.name, fileName: ds.fileName, nCells: ds.nCells, nGenes: ds.nGenes },
        view: this.captureView(),
        steps: app.story.steps,
        selections: app.selection.saved.map((s) => ({
          id: s.id,
          name: s.name,
          note: s.note,
          cells: encodeCellSet(s.cells),
          nCells: s.cells.length,
        })),
        annotations: { clusters: app.story.clusterNotes, genes: app.story.geneNotes },
        settings: { ...app.explainSettings },
        ...(includeData
          ? { data: { format: 'glasswing-compact' as const, base64: bytesToBase64(await this.engine.exportDataset()) } }
          : {}),
      },
      app.provenance({ extra: { steps_in_story: app.story.steps.length, includes_raw_data: includeData ? 'yes' : 'no' } }),
    );
    const stem = ds.name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'session';
    return { text: JSON.stringify(session, null, 1), fileName: `${stem}.glasswing.json` };
  }

  /** Open a session file: validate it, restore steps and annotations, then its dataset and view. */
  async openSessionFile(file: File): Promise<void> {
    let session: SessionFile;
    try {
      session = parseSession(await file.text());
    } catch (e) {
      this.notice = (e as Error).message;
      return;
    }
    this.app.story.load({ steps: session.steps, clusters: session.annotations.clusters, genes: session.annotations.genes });
    const need = { ...session.dataset };
    if (
      this.app.dataset?.hash !== need.hash &&
      session.data &&
      need.hash !== this.demoHash &&
      !this.app.cached.some((c) => c.hash === need.hash)
    ) {
      await this.app.openEmbedded(base64ToBytes(session.data.base64), need.fileName || `${need.name}.glasswing.json`);
      if (this.app.dataset?.hash !== need.hash) {
        this.notice = `The dataset embedded in ${file.name} does not match the hash the session recorded (${need.hash.slice(0, 12)}…); the session was not applied.`;
        return;
      }
    }
    if (await this.ensureDataset(need)) await this.applySession(session);
    else this.pending = session;
  }

  private async applySession(session: SessionFile): Promise<void> {
    const nCells = this.app.dataset?.nCells ?? 0;
    const problems: string[] = [];
    const saved = session.selections.flatMap((s) => {
      try {
        return [{ id: s.id, name: s.name, note: s.note, cells: decodeCellSet(s.cells, nCells) }];
      } catch (e) {
        problems.push(`selection “${s.name}”: ${(e as Error).message}`);
        return [];
      }
    });
    this.app.selection.saved = saved;
    if (session.settings.baseline === 'zeros' || session.settings.baseline === 'mean')
      this.app.explainSettings.baseline = session.settings.baseline;
    if (typeof session.settings.steps === 'number' && session.settings.steps >= 1 && session.settings.steps <= 1000)
      this.app.explainSettings.steps = session.settings.steps;
    await this.applyView(session.view, { fileName: session.dataset.fileName });
    if (problems.length) this.notice = `Some selections were skipped: ${problems.join(' ')}`;
  }

  /** Show story step `index` (presenter mode or a click in the list). */
  async showStep(index: number): Promise<void> {
    const step = this.app.story.steps[index];
    if (!step) return;
    if (this.app.story.presenting >= 0) this.app.story.presenting = index;
    await this.applyView(step.view);
  }
}
