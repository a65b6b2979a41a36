// Seeded force layout of a subgraph: computed once with .stop() + .tick(n), never animated,
// so the same input and seed give the same coordinates in Node, a worker or the page.

import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from 'd3-force';
import type { Subgraph } from './subgraph';

/** Layout inputs: `seed` picks the random start; box size in px; `ticks` defaults to d3's 300. */
export interface LayoutOptions {
  seed: number;
  width: number;
  height: number;
  ticks?: number;
  /** Positions (px) from an earlier layout, by node id: genes that stay, stay put as starting points. */
  previous?: ReadonlyMap<string, { x: number; y: number }>;
  /** Nodes the user pinned (px, by node id): they stay exactly there and the others settle around them. */
  pinned?: ReadonlyMap<string, { x: number; y: number }>;
  /** Skip the final shrink-to-fit (when pinned nodes must keep their coordinates). */
  isFitSkipped?: boolean;
}

/** A node's position in px, in the subgraph's node order. */
export interface LayoutNode {
  id: string;
  x: number;
  y: number;
}

/** A link as indices into `nodes`; links[i] draws subgraph.links[i]. */
export interface LayoutLink {
  source: number;
  target: number;
}

/** Positions (px, inside [0, width] x [0, height]) for every node, and links by node index. */
export interface GraphLayout {
  nodes: LayoutNode[];
  links: LayoutLink[];
}

const LCG_A = 1664525;
const LCG_C = 1013904223;
const LCG_M = 4294967296; // 2^32

/** Seeded linear congruential generator (d3-force's constants) returning numbers in [0, 1). */
export function lcg(seed: number): () => number {
  // Any finite seed maps onto the generator's 2^32 states; a * s + c stays below 2^53, so it is exact.
  let state = ((Math.floor(seed) % LCG_M) + LCG_M) % LCG_M;
  if (!Number.isFinite(state)) state = 1;
  return () => (state = (LCG_A * state + LCG_C) % LCG_M) / LCG_M;
}

const LINK_DISTANCE_PX = 60;
const CHARGE_STRENGTH = -160;
const CENTRE_STRENGTH = 0.06;
const SEED_RADIUS_PX = 16;
const NEIGHBOUR_RADIUS_PX = 10;
const PADDING_PX = 20;

interface SimNode extends SimulationNodeDatum {
  id: string;
  radius: number;
}

/** Lays `sub` out with d3-force, seeded by `options.seed`; deterministic for equal inputs. */
export function layoutGraph(sub: Subgraph, options: LayoutOptions): GraphLayout {
  const { seed, width, height, previous } = options;
  const ticks = options.ticks ?? 300;
  if (!(width > 0) || !(height > 0)) {
    throw new Error(`The layout needs a positive width and height in px; got ${width} x ${height}.`);
  }
  const random = lcg(seed);
  const cx = width / 2;
  const cy = height / 2;
  // d3's default start is a fixed phyllotaxis, which would make the seed nearly irrelevant.
  const startRadius = Math.min(width, height) / 4;

  const nodes: SimNode[] = sub.nodes.map((node) => {
    const radius = node.isSeed ? SEED_RADIUS_PX : NEIGHBOUR_RADIUS_PX;
    const pin = options.pinned?.get(node.id);
    if (pin) return { id: node.id, radius, x: pin.x, y: pin.y, fx: pin.x, fy: pin.y };
    const kept = previous?.get(node.id);
    if (kept) return { id: node.id, radius, x: kept.x, y: kept.y };
    // Rejection sampling: uniform in the disc without trig, so no libm differences between engines.
    let dx: number;
    let dy: number;
    do {
      dx = 2 * random() - 1;
      dy = 2 * random() - 1;
    } while (dx * dx + dy * dy > 1);
    return { id: node.id, radius, x: cx + dx * startRadius, y: cy + dy * startRadius };
  });

  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node.id, i));
  const links = sub.links.map((link) => {
    const source = indexOf.get(link.source);
    const target = indexOf.get(link.target);
    if (source === undefined || target === undefined) {
      throw new Error(`Link ${link.source} -> ${link.target} names a gene that is not a node.`);
    }
    return { source, target };
  });
  // A self-regulation link has no length to keep; it is drawn as a loop, not simulated.
  const springs: SimulationLinkDatum<SimNode>[] = links.filter((link) => link.source !== link.target).map((link) => ({ ...link }));

  const simulation = forceSimulation<SimNode>(nodes)
    .randomSource(random)
    .force('link', forceLink<SimNode, SimulationLinkDatum<SimNode>>(springs).distance(LINK_DISTANCE_PX))
    .force('charge', forceManyBody<SimNode>().strength(CHARGE_STRENGTH))
    .force(
      'collide',
      forceCollide<SimNode>((node) => node.radius + 2),
    )
    .force('x', forceX<SimNode>(cx).strength(CENTRE_STRENGTH))
    .force('y', forceY<SimNode>(cy).strength(CENTRE_STRENGTH))
    .stop();
  simulation.tick(ticks);

  // Shrink (never enlarge) about the centre so every node fits the box; keeps the shape.
  let scale = 1;
  for (const node of options.isFitSkipped ? [] : nodes) {
    const reachX = Math.abs(node.x! - cx) + node.radius;
    const reachY = Math.abs(node.y! - cy) + node.radius;
    const roomX = Math.max(cx - PADDING_PX, 1);
    const roomY = Math.max(cy - PADDING_PX, 1);
    if (reachX > 0) scale = Math.min(scale, roomX / reachX);
    if (reachY > 0) scale = Math.min(scale, roomY / reachY);
  }
  return {
    nodes: nodes.map((node) => ({
      id: node.id,
      x: cx + (node.x! - cx) * scale,
      y: cy + (node.y! - cy) * scale,
    })),
    links,
  };
}
