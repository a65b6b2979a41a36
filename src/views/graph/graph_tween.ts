/**
 * The regulation graph's transition from one subgraph to the next (a story step, a new seed set):
 * genes in both move from where they were drawn to their new layout position; genes and links that
 * enter fade in where they land; genes and links that leave fade out where they were. Pure: the
 * drawing runs the clock and draws `tweenPositions` at each eased t.
 */

/** A drawn graph as the tween needs it: gene ids, `[n * 2]` px positions, links by node index. */
export interface GraphFrame {
  ids: readonly string[];
  xy: Float32Array;
  links: readonly { source: number; target: number; sign: number }[];
}

/** A line drawn at fixed px coordinates while it fades out. */
export interface LeavingLink {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  sign: number;
}

/** How to go from one frame to the next. Arrays index the next graph's nodes and links. */
export interface GraphTween {
  /** `[nNext * 2]` px start positions: the old position for genes in both, the final one for entering genes. */
  from: Float32Array;
  /** `[nNext]` 1 where the gene was not in the previous graph (it fades in). */
  isEntering: Uint8Array;
  /** `[nNextLinks]` 1 where the regulator→target pair was not linked before (it fades in). */
  isLinkEntering: Uint8Array;
  /** Genes of the previous graph that are not in the next one, at their old positions (they fade out). */
  leavingNodes: { id: string; x: number; y: number }[];
  /** Links of the previous graph whose pair is not linked in the next one (they fade out). */
  leavingLinks: LeavingLink[];
}

const linkKey = (ids: readonly string[], l: { source: number; target: number }) => `${ids[l.source]}\u0000${ids[l.target]}`;

/** Plans the transition from `prev` (as drawn now) to `next` (its final layout). */
export function planGraphTween(prev: GraphFrame, next: GraphFrame): GraphTween {
  const prevIndex = new Map(prev.ids.map((id, i) => [id, i]));
  const nextIds = new Set(next.ids);
  const from = new Float32Array(next.xy.length);
  const isEntering = new Uint8Array(next.ids.length);
  next.ids.forEach((id, i) => {
    const j = prevIndex.get(id);
    if (j === undefined) {
      isEntering[i] = 1;
      from[2 * i] = next.xy[2 * i];
      from[2 * i + 1] = next.xy[2 * i + 1];
    } else {
      from[2 * i] = prev.xy[2 * j];
      from[2 * i + 1] = prev.xy[2 * j + 1];
    }
  });
  const prevLinks = new Set(prev.links.map((l) => linkKey(prev.ids, l)));
  const nextLinks = new Set(next.links.map((l) => linkKey(next.ids, l)));
  const isLinkEntering = Uint8Array.from(next.links, (l) => (prevLinks.has(linkKey(next.ids, l)) ? 0 : 1));
  const leavingNodes = prev.ids.flatMap((id, j) => (nextIds.has(id) ? [] : [{ id, x: prev.xy[2 * j], y: prev.xy[2 * j + 1] }]));
  const leavingLinks = prev.links
    .filter((l) => !nextLinks.has(linkKey(prev.ids, l)))
    .map((l) => ({
      x1: prev.xy[2 * l.source],
      y1: prev.xy[2 * l.source + 1],
      x2: prev.xy[2 * l.target],
      y2: prev.xy[2 * l.target + 1],
      sign: l.sign,
    }));
  return { from, isEntering, isLinkEntering, leavingNodes, leavingLinks };
}

/** Positions at eased progress `t` (0 = start, 1 = `to` exactly): `[n * 2]` px, a new array. */
export function tweenPositions(tween: GraphTween, to: Float32Array, t: number): Float32Array {
  if (t >= 1 || tween.from.length !== to.length) return to;
  const out = new Float32Array(to.length);
  for (let k = 0; k < to.length; k++) out[k] = tween.from[k] + (to[k] - tween.from[k]) * t;
  return out;
}
