// A readable neighbourhood of a few seed genes, cut from a whole GRN.

import { geneKey, type GrnEdge, type GrnIndex, type GrnSign } from './grn';

/** A gene to centre the subgraph on, with the score that chose it (e.g. its attribution). */
export interface SubgraphSeed {
  gene: string;
  score: number;
}

/** How far to reach from the seeds and how many new genes to keep. */
export interface SubgraphOptions {
  /** 1: seeds' direct regulators and targets; 2: also those genes' regulators and targets. */
  hops: 1 | 2;
  /** Preferred genes win ties (e.g. genes present in the dataset); called with the display symbol. */
  keepGene?: (symbol: string) => boolean;
  /** Most non-seed genes to keep (integer >= 0); the rest are counted in `truncated.dropped`. */
  maxNeighbours: number;
}

/** A gene in the subgraph; `id` is its display symbol. */
export interface SubgraphNode {
  id: string;
  isSeed: boolean;
  /** The seed's score; null for a neighbour. */
  score: number | null;
  /** Distinct other genes it regulates or is regulated by in the whole GRN, not just in this subgraph. */
  degree: number;
}

/** All evidence for one regulator -> target pair, merged into one drawable link (ids as in `nodes`). */
export interface SubgraphLink {
  source: string;
  target: string;
  /** See `mergeSign`: agreeing signs keep their sign; contradictory or all-unknown evidence is 0. */
  sign: GrnSign;
  /** Sum of the evidence weights (signed). */
  weight: number;
  /** Every source row for this pair, in index order. */
  evidence: GrnEdge[];
}

/** Seeds first (in the given order), then kept neighbours by rank; links sorted by source, then target. */
export interface Subgraph {
  nodes: SubgraphNode[];
  links: SubgraphLink[];
  /** Genes within `hops` of the seeds that were left out to respect `maxNeighbours`. */
  truncated: { dropped: number };
}

/**
 * The seeds, up to `maxNeighbours` genes within `hops` of them, and every GRN link among the kept genes.
 * Neighbours rank by seeds (then kept genes) touched, then `keepGene`, then symbol; nearer hops come first.
 */
export function extractSubgraph(index: GrnIndex, seeds: SubgraphSeed[], options: SubgraphOptions): Subgraph {
  const { hops, keepGene, maxNeighbours } = options;
  if (!Number.isInteger(maxNeighbours) || maxNeighbours < 0) {
    throw new Error(`maxNeighbours must be a whole number of genes, 0 or more; got ${maxNeighbours}.`);
  }
  if (hops !== 1 && hops !== 2) {
    throw new Error(`hops must be 1 or 2; got ${hops}.`);
  }

  const noPartners = new Set<string>();
  const partnersOf = (key: string): Set<string> => index.partners.get(key) ?? noPartners;

  // A seed listed twice (e.g. "Tp53" and "TP53") is one gene: the first mention wins.
  const seedScore = new Map<string, number>();
  const seedLabel = new Map<string, string>();
  for (const seed of seeds) {
    const key = geneKey(seed.gene);
    if (key === '' || seedScore.has(key)) continue;
    seedScore.set(key, seed.score);
    seedLabel.set(key, seed.gene.trim());
  }
  const seedKeys = [...seedScore.keys()];
  const kept = new Set(seedKeys);
  const keptNeighbours: string[] = [];

  let frontier = seedKeys;
  for (let hop = 1; hop <= hops; hop++) {
    // Candidates touch the frontier we actually kept, so every kept gene is connected to the drawing.
    const touches = new Map<string, number>();
    for (const key of frontier) {
      for (const partner of partnersOf(key)) {
        if (!kept.has(partner)) touches.set(partner, (touches.get(partner) ?? 0) + 1);
      }
    }
    const ranked = [...touches.keys()].map((key) => ({
      key,
      touches: touches.get(key)!,
      isPreferred: keepGene ? keepGene(displayOf(index, key)) : false,
    }));
    ranked.sort((a, b) => b.touches - a.touches || Number(b.isPreferred) - Number(a.isPreferred) || compareKeys(a.key, b.key));
    const room = maxNeighbours - keptNeighbours.length;
    const chosen = ranked.slice(0, Math.max(0, room)).map((candidate) => candidate.key);
    for (const key of chosen) {
      kept.add(key);
      keptNeighbours.push(key);
    }
    frontier = chosen;
  }

  // Count what a cap hid against the full reach, including genes only reachable through dropped ones.
  const seen = new Set(seedKeys);
  let reach: string[] = seedKeys;
  for (let hop = 1; hop <= hops; hop++) {
    const next: string[] = [];
    for (const key of reach) {
      for (const partner of partnersOf(key)) {
        if (seen.has(partner)) continue;
        seen.add(partner);
        next.push(partner);
      }
    }
    reach = next;
  }
  const dropped = seen.size - seedKeys.length - keptNeighbours.length;

  const nodes: SubgraphNode[] = [
    ...seedKeys.map((key) => ({
      id: index.symbols.get(key) ?? seedLabel.get(key)!,
      isSeed: true,
      score: seedScore.get(key)!,
      degree: partnersOf(key).size,
    })),
    ...keptNeighbours.map((key) => ({
      id: displayOf(index, key),
      isSeed: false,
      score: null,
      degree: partnersOf(key).size,
    })),
  ];
  return { nodes, links: inducedLinks(index, kept, nodes), truncated: { dropped } };
}

/** Every GRN link among `kept` keys (seed -> seed and self-regulation included), ids as in `nodes`. */
function inducedLinks(index: GrnIndex, kept: ReadonlySet<string>, nodes: readonly SubgraphNode[]): SubgraphLink[] {
  const idOf = new Map<string, string>();
  for (const node of nodes) idOf.set(geneKey(node.id), node.id);
  const byPair = new Map<string, { regulator: string; target: string; evidence: GrnEdge[] }>();
  for (const key of kept) {
    for (const edge of index.outgoing.get(key) ?? []) {
      const targetKey = geneKey(edge.target);
      if (!kept.has(targetKey)) continue;
      const pair = `${key}\t${targetKey}`;
      const group = byPair.get(pair);
      if (group) group.evidence.push(edge);
      else byPair.set(pair, { regulator: key, target: targetKey, evidence: [edge] });
    }
  }
  return [...byPair.values()]
    .sort((a, b) => compareKeys(a.regulator, b.regulator) || compareKeys(a.target, b.target))
    .map(({ regulator, target, evidence }) => ({
      source: idOf.get(regulator)!,
      target: idOf.get(target)!,
      sign: mergeSign(evidence),
      weight: evidence.reduce((sum, edge) => sum + edge.weight, 0),
      evidence,
    }));
}

/**
 * One TF and its regulon: the TF (the only seed, score `score`), up to `maxTargets` of its targets
 * ranked by |summed weight|, then `keepGene`, then symbol, and every GRN link among them.
 * Throws a sentence when the TF regulates nothing in this GRN.
 */
export function extractRegulon(
  index: GrnIndex,
  tf: string,
  options: { maxTargets: number; keepGene?: (symbol: string) => boolean; score?: number },
): Subgraph {
  const key = geneKey(tf);
  const out = (index.outgoing.get(key) ?? []).filter((e) => geneKey(e.target) !== key);
  if (out.length === 0) {
    throw new Error(`${tf.trim() || 'That name'} regulates no gene in ${index.grn.name}; pick a TF from the list.`);
  }
  const strength = new Map<string, number>();
  for (const e of out) strength.set(geneKey(e.target), (strength.get(geneKey(e.target)) ?? 0) + e.weight);
  const ranked = [...strength.keys()].map((k) => ({
    k,
    w: Math.abs(strength.get(k)!),
    isPreferred: options.keepGene ? options.keepGene(displayOf(index, k)) : false,
  }));
  ranked.sort((a, b) => b.w - a.w || Number(b.isPreferred) - Number(a.isPreferred) || compareKeys(a.k, b.k));
  const chosen = ranked.slice(0, Math.max(0, options.maxTargets)).map((r) => r.k);
  const kept = new Set([key, ...chosen]);
  const partnersOf = (k: string) => index.partners.get(k)?.size ?? 0;
  const nodes: SubgraphNode[] = [
    { id: displayOf(index, key), isSeed: true, score: options.score ?? 0, degree: partnersOf(key) },
    ...chosen.map((k) => ({ id: displayOf(index, k), isSeed: false, score: null, degree: partnersOf(k) })),
  ];
  return { nodes, links: inducedLinks(index, kept, nodes), truncated: { dropped: ranked.length - chosen.length } };
}

/**
 * One sign for several rows about the same pair: the shared sign when every signed row agrees,
 * 0 when they contradict (+1 and -1) or none is signed. Unsigned rows never overrule a signed one.
 */
export function mergeSign(evidence: readonly GrnEdge[]): GrnSign {
  let hasActivation = false;
  let hasRepression = false;
  for (const edge of evidence) {
    if (edge.sign > 0) hasActivation = true;
    else if (edge.sign < 0) hasRepression = true;
  }
  if (hasActivation === hasRepression) return 0;
  return hasActivation ? 1 : -1;
}

function displayOf(index: GrnIndex, key: string): string {
  return index.symbols.get(key) ?? key;
}

// Code-unit order, not localeCompare: the same on every machine and locale.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
