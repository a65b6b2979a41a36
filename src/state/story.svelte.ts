/**
 * Story steps (saved views a presenter plays) and annotations (named clusters, gene notes).
 * Arrays are replaced, never mutated, so views re-render.
 */
import type { StoryStep, ViewState } from '../core/session/view_state.ts';
import type { ClusterNote, GeneNote } from '../core/session/session_file.ts';

let nextId = 0;
/** A short id unique within this page (and, with the time, across saved sessions). */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(nextId++).toString(36)}`;
}

export class StoryState {
  steps = $state.raw<StoryStep[]>([]);
  /** Names and notes for categories of categorical columns. */
  clusterNotes = $state.raw<ClusterNote[]>([]);
  /** Tags and notes on genes. */
  geneNotes = $state.raw<GeneNote[]>([]);
  /** Index of the step shown in presenter mode, or -1 when not presenting. */
  presenting = $state(-1);

  /** Append a step for `view`; returns it. */
  add(view: ViewState, title: string, note = ''): StoryStep {
    const step: StoryStep = { id: newId('step'), title, note, view };
    this.steps = [...this.steps, step];
    return step;
  }

  /** Move a step by `delta` places (-1 up, +1 down), clamped to the list. */
  move(id: string, delta: number): void {
    const i = this.steps.findIndex((s) => s.id === id);
    const j = Math.max(0, Math.min(this.steps.length - 1, i + delta));
    if (i < 0 || i === j) return;
    const next = [...this.steps];
    const [step] = next.splice(i, 1);
    next.splice(j, 0, step);
    this.steps = next;
  }

  /** Move the step `id` to position `index` (drag and drop). */
  moveTo(id: string, index: number): void {
    const i = this.steps.findIndex((s) => s.id === id);
    if (i < 0) return;
    this.move(id, index - i);
  }

  /** Change a step's title and/or note. */
  edit(id: string, patch: Partial<Pick<StoryStep, 'title' | 'note' | 'view'>>): void {
    this.steps = this.steps.map((s) => (s.id === id ? { ...s, ...patch } : s));
  }

  remove(id: string): void {
    this.steps = this.steps.filter((s) => s.id !== id);
  }

  /** Name (or rename) a category of a column; an empty name and note removes the annotation. */
  setClusterNote(column: string, category: string, name: string, note = ''): void {
    const rest = this.clusterNotes.filter((c) => !(c.column === column && c.category === category));
    this.clusterNotes = name.trim() || note.trim() ? [...rest, { column, category, name: name.trim(), note: note.trim() }] : rest;
  }

  /** The user's name for a category, if any. */
  clusterName(column: string, category: string): string | undefined {
    return this.clusterNotes.find((c) => c.column === column && c.category === category)?.name || undefined;
  }

  /** Tag a gene; empty tags and note remove it. */
  setGeneNote(gene: string, tags: string[], note: string): void {
    const rest = this.geneNotes.filter((g) => g.gene !== gene);
    const clean = tags.map((t) => t.trim()).filter(Boolean);
    this.geneNotes = clean.length || note.trim() ? [...rest, { gene, tags: clean, note: note.trim() }] : rest;
  }

  geneNote(gene: string): GeneNote | undefined {
    return this.geneNotes.find((g) => g.gene === gene);
  }

  /** Replace everything (a session file was opened). */
  load(parts: { steps: StoryStep[]; clusters: ClusterNote[]; genes: GeneNote[] }): void {
    this.steps = parts.steps;
    this.clusterNotes = parts.clusters;
    this.geneNotes = parts.genes;
    this.presenting = -1;
  }
}
