/**
 * Writes test/fixtures/injected/: a tiny dense CSV dataset whose gene names, metadata column
 * name and category values hold HTML and script, for the browser test that proves names render
 * as plain text everywhere (tooltips, legends, tables, the graph, SVG export).
 * Run: npx tsx scripts/make_injected_fixture.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

import { INJECTED } from './make_injected_fixture_names.ts';

const OUT = 'test/fixtures/injected';
const N_CELLS = 90;
// Real model genes that mark B cells, monocytes and T cells, so predictions and attributions are meaningful.
const MARKERS = [
  'CD74',
  'HLA-DRA',
  'MS4A1',
  'CD79A',
  'CD79B',
  'LYZ',
  'S100A9',
  'S100A8',
  'FCN1',
  'CD3E',
  'IL7R',
  'LDHB',
  'NKG7',
  'GNLY',
  'CCL5',
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const modelGenes = (JSON.parse(readFileSync('models/pbmc3k-classifier/manifest.json', 'utf8')) as { input: { genes: string[] } }).input
  .genes;
const genes = [
  ...MARKERS.filter((g) => modelGenes.includes(g)),
  ...modelGenes.filter((g) => !MARKERS.includes(g)).slice(0, 40),
  ...INJECTED.genes,
];
const rnd = lcg(42);
const groups = [
  ['CD74', 'HLA-DRA', 'MS4A1', 'CD79A', 'CD79B'],
  ['LYZ', 'S100A9', 'S100A8', 'FCN1', 'CD74'],
  ['CD3E', 'IL7R', 'LDHB', 'NKG7', 'CCL5'],
];
const rows = [`cell,${genes.join(',')}`];
const meta = [`cell,${INJECTED.column}`];
for (let i = 0; i < N_CELLS; i++) {
  const g = i % 3;
  const counts = genes.map((name) => {
    const base = groups[g].includes(name) ? 25 : INJECTED.genes.includes(name) ? 3 : 0.4;
    return Math.floor(-Math.log(1 - rnd()) * base);
  });
  rows.push(`cell_${i + 1},${counts.join(',')}`);
  meta.push(`cell_${i + 1},${INJECTED.categories[g]}`);
}
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/expression.csv`, rows.join('\n') + '\n');
writeFileSync(`${OUT}/metadata.csv`, meta.join('\n') + '\n');
writeFileSync(
  `${OUT}/README.md`,
  `# Injected-names fixture\n\nSynthetic counts (seeded, made by \`npx tsx scripts/make_injected_fixture.ts\`) for ${N_CELLS} cells and ${genes.length} genes.\nGene names, the metadata column name and its categories hold HTML/script on purpose; the browser test\n\`test/browser/present.test.ts\` proves they render as text. No real data; public domain.\n`,
);
console.log(`wrote ${OUT}: ${N_CELLS} cells x ${genes.length} genes`);
