// Seeded random graphs of a given size, for the drawing/layout benchmark (scripts/bench_grn.ts).

import type { Subgraph } from './subgraph';
import { lcg } from './layout';

/**
 * `nNodes` genes G0…G{n-1} and `nEdges` distinct directed links (no self-loops) drawn with a
 * preferential bias (half the ends among the first 5 % of nodes, like TF hubs); signs 70 % +1,
 * 20 % −1, 10 % unsigned. Deterministic for a seed.
 */
export function syntheticSubgraph(nNodes: number, nEdges: number, seed: number): Subgraph {
  if (nNodes < 2 || nEdges > nNodes * (nNodes - 1)) throw new Error(`Cannot draw ${nEdges} distinct links among ${nNodes} genes.`);
  const random = lcg(seed);
  const hubs = Math.max(1, Math.floor(nNodes * 0.05));
  const pick = (isHubBiased: boolean) => Math.floor(random() * (isHubBiased && random() < 0.5 ? hubs : nNodes));
  const seen = new Set<number>();
  const links: Subgraph['links'] = [];
  const degree = new Uint32Array(nNodes);
  while (links.length < nEdges) {
    const s = pick(true);
    const t = pick(false);
    if (s === t || seen.has(s * nNodes + t)) continue;
    seen.add(s * nNodes + t);
    const u = random();
    const sign = u < 0.7 ? 1 : u < 0.9 ? -1 : 0;
    degree[s]++;
    degree[t]++;
    links.push({ source: `G${s}`, target: `G${t}`, sign, weight: sign === 0 ? 1 : sign, evidence: [] });
  }
  const nodes = Array.from({ length: nNodes }, (_, i) => ({
    id: `G${i}`,
    isSeed: i < hubs,
    score: i < hubs ? random() * 2 - 1 : null,
    degree: degree[i],
  }));
  return { nodes, links, truncated: { dropped: 0 } };
}
