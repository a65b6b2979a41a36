import { describe, expect, it } from 'vitest';
import { indexGrn, parseTrrust } from '../../../src/core/graph/grn';
import { layoutGraph, lcg } from '../../../src/core/graph/layout';
import { extractSubgraph } from '../../../src/core/graph/subgraph';

// Seeds A, B and C (C only regulates itself); neighbours T1, X, Y.
const TEXT = [
  'TF\tTarget\tRegulation\tReference',
  'A\tB\tActivation\t1',
  'T1\tA\tActivation\t2',
  'T1\tB\tRepression\t3',
  'A\tX\tActivation\t4',
  'B\tY\tActivation\t10',
  'X\tY\tActivation\t11',
  'C\tC\tUnknown\t13',
].join('\n');
const sub = extractSubgraph(
  indexGrn(parseTrrust(TEXT)),
  [
    { gene: 'A', score: 1 },
    { gene: 'B', score: -1 },
    { gene: 'C', score: 0 },
  ],
  { hops: 1, maxNeighbours: 10 },
);
const WIDTH = 400;
const HEIGHT = 300;
const rounded = (nodes: { id: string; x: number; y: number }[]): [string, number, number][] =>
  nodes.map((node) => [node.id, Math.round(node.x * 1e6) / 1e6, Math.round(node.y * 1e6) / 1e6]);

describe('lcg', () => {
  it("follows x' = (1664525 x + 1013904223) mod 2^32, divided by 2^32", () => {
    const random = lcg(1);
    let state = 1n;
    for (let i = 0; i < 5; i++) {
      state = (1664525n * state + 1013904223n) % 4294967296n;
      expect(random()).toBe(Number(state) / 4294967296);
    }
    expect(lcg(1)()).toBe(1015568748 / 4294967296);
    expect(lcg(2 ** 32 + 5)()).toBe(lcg(5)());
  });
});

describe('layoutGraph', () => {
  it('gives these exact coordinates for seed 7', () => {
    const layout = layoutGraph(sub, { seed: 7, width: WIDTH, height: HEIGHT });
    expect(rounded(layout.nodes)).toEqual([
      ['A', 174.29606, 199.833102],
      ['B', 232.750576, 224.223108],
      ['C', 197.101904, 50.881567],
      ['T1', 245.368662, 166.065284],
      ['X', 135.71194, 145.03675],
      ['Y', 201.116008, 156.268362],
    ]);
    // links[i] draws sub.links[i], by node index (C -> C is the self-regulation loop).
    expect(sub.links.map((link) => `${link.source}>${link.target}`)).toEqual(['A>B', 'A>X', 'B>Y', 'C>C', 'T1>A', 'T1>B', 'X>Y']);
    expect(layout.links).toEqual([
      { source: 0, target: 1 },
      { source: 0, target: 4 },
      { source: 1, target: 5 },
      { source: 2, target: 2 },
      { source: 3, target: 0 },
      { source: 3, target: 1 },
      { source: 4, target: 5 },
    ]);
  });

  it('repeats itself exactly for the same seed and moves for another', () => {
    const first = layoutGraph(sub, { seed: 7, width: WIDTH, height: HEIGHT });
    const again = layoutGraph(sub, { seed: 7, width: WIDTH, height: HEIGHT });
    expect(again).toEqual(first);
    const other = layoutGraph(sub, { seed: 8, width: WIDTH, height: HEIGHT });
    const moved = other.nodes.map((node, i) => Math.hypot(node.x - first.nodes[i].x, node.y - first.nodes[i].y));
    expect(Math.min(...moved)).toBeGreaterThan(1);
  });

  it('keeps every node inside the box, and linked genes closer than unlinked ones', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { nodes } = layoutGraph(sub, { seed, width: WIDTH, height: HEIGHT });
      for (const node of nodes) {
        expect(node.x).toBeGreaterThan(0);
        expect(node.x).toBeLessThan(WIDTH);
        expect(node.y).toBeGreaterThan(0);
        expect(node.y).toBeLessThan(HEIGHT);
      }
      const at = new Map(nodes.map((node) => [node.id, node]));
      const gap = (a: string, b: string): number => Math.hypot(at.get(a)!.x - at.get(b)!.x, at.get(a)!.y - at.get(b)!.y);
      // C is linked to nothing else, so repulsion pushes it further from A than A's partner B.
      expect(gap('A', 'B')).toBeLessThan(gap('A', 'C'));
    }
  });

  it('starts from previous positions when given, so 0 ticks returns them unchanged', () => {
    const first = layoutGraph(sub, { seed: 7, width: WIDTH, height: HEIGHT });
    const previous = new Map(first.nodes.map((node) => [node.id, { x: node.x, y: node.y }]));
    const still = layoutGraph(sub, { seed: 99, width: WIDTH, height: HEIGHT, ticks: 0, previous });
    expect(still.nodes).toEqual(first.nodes);
  });

  it('rejects an empty box with a sentence', () => {
    expect(() => layoutGraph(sub, { seed: 1, width: 0, height: 300 })).toThrow(
      'The layout needs a positive width and height in px; got 0 x 300.',
    );
  });
});
