/**
 * The regulation graph's part of a view (story steps, sessions, links): which network, which
 * subgraph (top genes / a TF's regulon / a pasted list) and how genes are coloured and sized.
 * Applying it changes GrnState's inputs; the graph panel redraws, and the drawing tweens from the
 * old layout to the new one.
 */
import type { GraphMode } from '../workers/grn_protocol.ts';

type NodeColorBy = 'attribution' | 'expression';
type NodeSizeBy = 'attribution' | 'degree';

/** What the field reads and writes on GrnState (structural, so this file stays free of the app's state graph). */
export interface GrnViewTarget extends GrnViewValue {
  sources: readonly { id: string }[];
  refresh(): Promise<void>;
}

/** The saved settings, plain JSON. Strings are untrusted when read back. */
export interface GrnViewValue {
  sourceId: string;
  mode: GraphMode;
  topK: number;
  hops: 1 | 2;
  maxNeighbours: number;
  tf: string;
  geneListText: string;
  colorBy: NodeColorBy;
  sizeBy: NodeSizeBy;
}

const MODES: readonly GraphMode[] = ['top', 'regulon', 'list'];
const MAX_TEXT = 20_000;

/** Reads a saved value, throwing a sentence for anything that is not what we wrote. */
export function parseGrnView(value: unknown): GrnViewValue {
  if (typeof value !== 'object' || value === null) throw new Error('expected an object');
  const v = value as Record<string, unknown>;
  const text = (k: string, max = 200): string => {
    if (typeof v[k] !== 'string' || (v[k] as string).length > max) throw new Error(`${k} should be text of at most ${max} characters`);
    return v[k] as string;
  };
  const int = (k: string, lo: number, hi: number): number => {
    const n = v[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) throw new Error(`${k} should be a whole number in ${lo}…${hi}`);
    return n;
  };
  const mode = text('mode') as GraphMode;
  if (!MODES.includes(mode)) throw new Error(`mode “${mode}” is not one of ${MODES.join(', ')}`);
  const colorBy = text('colorBy') as NodeColorBy;
  if (colorBy !== 'attribution' && colorBy !== 'expression') throw new Error(`colorBy “${colorBy}” is not attribution or expression`);
  const sizeBy = text('sizeBy') as NodeSizeBy;
  if (sizeBy !== 'attribution' && sizeBy !== 'degree') throw new Error(`sizeBy “${sizeBy}” is not attribution or degree`);
  return {
    sourceId: text('sourceId'),
    mode,
    topK: int('topK', 1, 500),
    hops: int('hops', 1, 2) as 1 | 2,
    maxNeighbours: int('maxNeighbours', 1, 5000),
    tf: text('tf'),
    geneListText: text('geneListText', MAX_TEXT),
    colorBy,
    sizeBy,
  };
}

/** The view field for `grn` (a session ViewField): captures its settings and applies saved ones (a pasted list is redrawn at once). */
export function grnViewField(grn: GrnViewTarget): { capture(): GrnViewValue; apply(value: unknown): Promise<void> } {
  return {
    capture: (): GrnViewValue => ({
      sourceId: grn.sourceId,
      mode: grn.mode,
      topK: grn.topK,
      hops: grn.hops,
      maxNeighbours: grn.maxNeighbours,
      tf: grn.tf,
      geneListText: grn.geneListText,
      colorBy: grn.colorBy,
      sizeBy: grn.sizeBy,
    }),
    apply: async (value: unknown) => {
      const v = parseGrnView(value);
      const isSourceKnown = grn.sources.some((s) => s.id === v.sourceId) || v.sourceId === 'collectri' || v.sourceId === 'trrust';
      if (!isSourceKnown) throw new Error(`the network ${v.sourceId} is not loaded in this session; open its file again`);
      grn.sourceId = v.sourceId;
      grn.mode = v.mode;
      grn.topK = v.topK;
      grn.hops = v.hops;
      grn.maxNeighbours = v.maxNeighbours;
      grn.tf = v.tf;
      grn.geneListText = v.geneListText;
      grn.colorBy = v.colorBy;
      grn.sizeBy = v.sizeBy;
      // The panel redraws by itself on these inputs, except a pasted list, which waits for its button.
      if (v.mode === 'list') await grn.refresh();
    },
  };
}
