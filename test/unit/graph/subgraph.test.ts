import { describe, expect, it } from 'vitest';
import { indexGrn, parseTrrust, type GrnEdge } from '../../../src/core/graph/grn';
import { extractSubgraph, mergeSign, type Subgraph } from '../../../src/core/graph/subgraph';

// Seeds A and B. Their neighbours: T1 and Y touch both seeds; W, X, Z touch A only.
// Q is two hops away (via X); C regulates only itself and is out of reach.
const TEXT = [
  'TF\tTarget\tRegulation\tReference',
  'A\tB\tActivation\t1',
  'T1\tA\tActivation\t2',
  'T1\tB\tRepression\t3',
  'A\tX\tActivation\t4',
  'A\tY\tRepression\t5',
  'A\tZ\tActivation\t6',
  'A\tZ\tRepression\t7',
  'W\tA\tUnknown\t8',
  'W\ta\tActivation\t9',
  'B\tY\tActivation\t10',
  'X\tY\tActivation\t11',
  'Q\tX\tActivation\t12',
  'C\tC\tUnknown\t13',
].join('\n');
const index = indexGrn(parseTrrust(TEXT));
const seeds = [
  { gene: 'a', score: 2 },
  { gene: 'B', score: -1 },
  { gene: 'NOT_IN_GRN', score: 0.5 },
  { gene: 'A', score: 9 },
];
const inDataset = new Set(['X', 'Y', 'W']);
const keepGene = (symbol: string): boolean => inDataset.has(symbol);

/** Links as compact [source, target, sign, weight, pmids] rows for exact comparison. */
const linkRows = (sub: Subgraph): [string, string, number, number, string[]][] =>
  sub.links.map((link) => [link.source, link.target, link.sign, link.weight, link.evidence.flatMap((edge) => edge.pmids ?? [])]);

describe('extractSubgraph', () => {
  it('keeps the best-ranked neighbours up to the cap and counts the dropped ones', () => {
    const sub = extractSubgraph(index, seeds, { hops: 1, keepGene, maxNeighbours: 3 });
    // Rank: Y and T1 touch 2 seeds (Y is in the dataset); W, X, Z touch 1 (W, X in the dataset; W < X).
    expect(sub.nodes).toEqual([
      { id: 'A', isSeed: true, score: 2, degree: 6 },
      { id: 'B', isSeed: true, score: -1, degree: 3 },
      { id: 'NOT_IN_GRN', isSeed: true, score: 0.5, degree: 0 },
      { id: 'Y', isSeed: false, score: null, degree: 3 },
      { id: 'T1', isSeed: false, score: null, degree: 2 },
      { id: 'W', isSeed: false, score: null, degree: 1 },
    ]);
    expect(sub.truncated).toEqual({ dropped: 2 });
    expect(linkRows(sub)).toEqual([
      ['A', 'B', 1, 1, ['1']],
      ['A', 'Y', -1, -1, ['5']],
      ['B', 'Y', 1, 1, ['10']],
      ['T1', 'A', 1, 1, ['2']],
      ['T1', 'B', -1, -1, ['3']],
      // Unknown + Activation, matched across "A" and "a": one link, both rows kept.
      ['W', 'A', 1, 1, ['8', '9']],
    ]);
    expect(sub.links[5].evidence.map((edge) => edge.target)).toEqual(['A', 'a']);
  });

  it('merges contradictory evidence into one unsigned link and adds neighbour-neighbour links', () => {
    const sub = extractSubgraph(index, seeds, { hops: 1, keepGene, maxNeighbours: 10 });
    expect(sub.nodes.map((node) => node.id)).toEqual(['A', 'B', 'NOT_IN_GRN', 'Y', 'T1', 'W', 'X', 'Z']);
    expect(sub.truncated).toEqual({ dropped: 0 });
    expect(linkRows(sub)).toEqual([
      ['A', 'B', 1, 1, ['1']],
      ['A', 'X', 1, 1, ['4']],
      ['A', 'Y', -1, -1, ['5']],
      ['A', 'Z', 0, 0, ['6', '7']],
      ['B', 'Y', 1, 1, ['10']],
      ['T1', 'A', 1, 1, ['2']],
      ['T1', 'B', -1, -1, ['3']],
      ['W', 'A', 1, 1, ['8', '9']],
      ['X', 'Y', 1, 1, ['11']],
    ]);
  });

  it('ranks alphabetically without keepGene, and keeps only seed-seed links at a cap of 0', () => {
    const alphabetical = extractSubgraph(index, seeds, { hops: 1, maxNeighbours: 4 });
    expect(alphabetical.nodes.slice(3).map((node) => node.id)).toEqual(['T1', 'Y', 'W', 'X']);
    expect(alphabetical.truncated.dropped).toBe(1);

    const seedsOnly = extractSubgraph(index, seeds, { hops: 1, maxNeighbours: 0 });
    expect(seedsOnly.nodes.map((node) => node.id)).toEqual(['A', 'B', 'NOT_IN_GRN']);
    expect(linkRows(seedsOnly)).toEqual([['A', 'B', 1, 1, ['1']]]);
    expect(seedsOnly.truncated.dropped).toBe(5);
  });

  it('reaches two hops after the first, and counts genes hidden behind dropped ones', () => {
    const all = extractSubgraph(index, seeds, { hops: 2, keepGene, maxNeighbours: 6 });
    expect(all.nodes.map((node) => node.id)).toEqual(['A', 'B', 'NOT_IN_GRN', 'Y', 'T1', 'W', 'X', 'Z', 'Q']);
    expect(all.truncated.dropped).toBe(0);
    expect(linkRows(all).filter(([source]) => source === 'Q')).toEqual([['Q', 'X', 1, 1, ['12']]]);

    const capped = extractSubgraph(index, seeds, { hops: 2, keepGene, maxNeighbours: 5 });
    expect(capped.nodes.length).toBe(8);
    expect(capped.truncated.dropped).toBe(1);

    // Only Y and T1 fit; X, Z, W and (through X) Q are within two hops but hidden.
    const tight = extractSubgraph(index, seeds, { hops: 2, keepGene, maxNeighbours: 2 });
    expect(tight.nodes.slice(3).map((node) => node.id)).toEqual(['Y', 'T1']);
    expect(tight.truncated.dropped).toBe(4);
  });

  it('rejects a cap that is not a whole number', () => {
    expect(() => extractSubgraph(index, seeds, { hops: 1, maxNeighbours: -1 })).toThrow(
      'maxNeighbours must be a whole number of genes, 0 or more; got -1.',
    );
    expect(() => extractSubgraph(index, seeds, { hops: 1, maxNeighbours: 2.5 })).toThrow(/maxNeighbours/);
  });
});

describe('mergeSign', () => {
  const edge = (sign: 1 | -1 | 0): GrnEdge => ({
    regulator: 'R',
    target: 'T',
    sign,
    weight: sign,
    source: 'test',
  });
  it('agrees, contradicts, or stays unknown', () => {
    expect(mergeSign([edge(1), edge(1)])).toBe(1);
    expect(mergeSign([edge(-1), edge(0)])).toBe(-1);
    expect(mergeSign([edge(1), edge(-1)])).toBe(0);
    expect(mergeSign([edge(1), edge(0), edge(-1)])).toBe(0);
    expect(mergeSign([edge(0), edge(0)])).toBe(0);
    expect(mergeSign([])).toBe(0);
  });
});
