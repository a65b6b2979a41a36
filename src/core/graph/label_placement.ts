// Greedy label placement: labels are placed in priority order at the first of a few candidate
// spots (above, below, right, left of the node) whose box hits no placed label and no other node.
// Labels that fit nowhere are left out (the node keeps its tooltip), so none overlap.

/** A node to label: centre and radius in px, the label's size in px, and its priority (higher first). */
export interface LabelRequest {
  x: number;
  y: number;
  radiusPx: number;
  widthPx: number;
  heightPx: number;
  priority: number;
}

/** A placed label: its text anchor point (px) and alignment; `null` in the result when it fits nowhere. */
export interface PlacedLabel {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  /** 'above' | 'below' | 'right' | 'left': which candidate won. */
  side: 'above' | 'below' | 'right' | 'left';
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const GAP_PX = 2;

/**
 * Places labels without overlap, greedily by priority (ties: input order). `mustPlace` labels
 * (e.g. the hovered gene) are placed even when every spot collides, at the first candidate.
 * Returns one entry per request, in input order. O(n · k) with a uniform grid of placed boxes.
 */
export function placeLabels(requests: readonly LabelRequest[], mustPlace: ReadonlySet<number> = new Set()): (PlacedLabel | null)[] {
  const order = [...requests.keys()].sort(
    (a, b) => Number(mustPlace.has(b)) - Number(mustPlace.has(a)) || requests[b].priority - requests[a].priority || a - b,
  );
  const cell = Math.max(16, ...requests.map((r) => Math.max(r.widthPx, r.heightPx)).slice(0, 1));
  const grid = new Map<string, Box[]>();
  const keysOf = (b: Box): string[] => {
    const out: string[] = [];
    for (let gx = Math.floor(b.x0 / cell); gx <= Math.floor(b.x1 / cell); gx++)
      for (let gy = Math.floor(b.y0 / cell); gy <= Math.floor(b.y1 / cell); gy++) out.push(`${gx},${gy}`);
    return out;
  };
  const add = (b: Box) => {
    for (const k of keysOf(b)) {
      const list = grid.get(k);
      if (list) list.push(b);
      else grid.set(k, [b]);
    }
  };
  const hits = (b: Box) => {
    for (const k of keysOf(b)) for (const o of grid.get(k) ?? []) if (b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1) return true;
    return false;
  };
  // Node discs (as their bounding squares) are obstacles too, except a label's own node.
  const nodeBoxes = requests.map((r) => ({ x0: r.x - r.radiusPx, y0: r.y - r.radiusPx, x1: r.x + r.radiusPx, y1: r.y + r.radiusPx }));
  const nodeGrid = new Map<string, number[]>();
  nodeBoxes.forEach((b, i) => {
    for (const k of keysOf(b)) {
      const list = nodeGrid.get(k);
      if (list) list.push(i);
      else nodeGrid.set(k, [i]);
    }
  });
  const hitsNode = (b: Box, own: number) => {
    for (const k of keysOf(b))
      for (const i of nodeGrid.get(k) ?? []) {
        if (i === own) continue;
        const o = nodeBoxes[i];
        if (b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1) return true;
      }
    return false;
  };

  const out: (PlacedLabel | null)[] = requests.map(() => null);
  for (const i of order) {
    const r = requests[i];
    const w = r.widthPx;
    const h = r.heightPx;
    const d = r.radiusPx + GAP_PX;
    // Text baseline coordinates with the box each one occupies.
    const candidates: [PlacedLabel, Box][] = [
      [
        { x: r.x, y: r.y - d - 1, anchor: 'middle', side: 'above' },
        { x0: r.x - w / 2, y0: r.y - d - h, x1: r.x + w / 2, y1: r.y - d },
      ],
      [
        { x: r.x, y: r.y + d + h - 1, anchor: 'middle', side: 'below' },
        { x0: r.x - w / 2, y0: r.y + d, x1: r.x + w / 2, y1: r.y + d + h },
      ],
      [
        { x: r.x + d, y: r.y + h / 2 - 1, anchor: 'start', side: 'right' },
        { x0: r.x + d, y0: r.y - h / 2, x1: r.x + d + w, y1: r.y + h / 2 },
      ],
      [
        { x: r.x - d, y: r.y + h / 2 - 1, anchor: 'end', side: 'left' },
        { x0: r.x - d - w, y0: r.y - h / 2, x1: r.x - d, y1: r.y + h / 2 },
      ],
    ];
    const free = candidates.find(([, box]) => !hits(box) && !hitsNode(box, i));
    const chosen = free ?? (mustPlace.has(i) ? candidates[0] : null);
    if (!chosen) continue;
    out[i] = chosen[0];
    add(chosen[1]);
  }
  return out;
}

/** Width in px of `text` in an italic sans-serif at `fontPx` (an estimate: 0.6 em per character). */
export function estimateLabelWidthPx(text: string, fontPx: number): number {
  return Math.ceil(text.length * fontPx * 0.6) + 2;
}
