/**
 * Writes small GRN files in every user format the graph view reads into test/fixtures/grn/, each
 * with known bad rows (test/unit/graph/grn_formats.test.ts checks their line numbers and the good
 * rows). Run: npx tsx scripts/make_grn_fixtures.ts   (deterministic; a few hundred bytes each).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.argv[2] ?? 'test/fixtures/grn';

const files: Record<string, string> = {
  // arboreto / GRNBoost2 output: TF, target, importance (unsigned). Lines 4, 6, 7 are bad.
  'scenic_adjacencies.tsv': [
    'TF\ttarget\timportance',
    'SPI1\tCD74\t12.5',
    'SPI1\tLYZ\t8.25',
    'STAT1\tIRF1', // 4: missing the importance column
    'STAT1\tGBP1\t3.5',
    '\tCD3E\t1.0', // 6: empty TF
    'PAX5\tCD79A\thigh', // 7: importance is not a number
    'PAX5\tMS4A1\t2',
    '',
  ].join('\n'),
  // pySCENIC ctx output: three header rows, TargetGenes as a Python list of tuples. Line 7 is bad.
  'scenic_regulons.csv': [
    ',,Enrichment,Enrichment,Enrichment,Enrichment',
    ',,AUC,NES,Context,TargetGenes',
    'TF,MotifID,,,,',
    `SPI1,cisbp__M1,0.08,4.1,"frozenset({'activating', 'weight>75.0%'})","[('CD74', 1.5), ('LYZ', 0.75)]"`,
    `STAT1,cisbp__M2,0.07,3.2,"frozenset({'repressing'})","[('CD3E', 2.0)]"`,
    `PAX5(+),cisbp__M3,0.06,3.0,"frozenset({'top50'})","[('MS4A1', 1.25), ('CD79A', 0.5)]"`,
    `IRF8,cisbp__M4,0.05,2.9,"frozenset({'activating'})","CD74 and LYZ"`, // 7: not a list
    '',
  ].join('\n'),
  // DoRothEA (R): tf, confidence, target, mor. Lines 5 and 6 are bad.
  'dorothea.csv': [
    'tf,confidence,target,mor',
    'STAT1,A,IRF1,1',
    'STAT1,B,GBP1,1',
    'NFKB1,A,NFKBIA,-1',
    'NFKB1,C,TNF,?', // 5: mor is not a number
    'RELA,D', // 6: too few columns
    'RELA,E,TNF,0.5',
    '',
  ].join('\n'),
  // decoupler's long format: source, target, weight (TSV). Line 3 is bad.
  'decoupler.tsv': ['source\ttarget\tweight', 'SPI1\tCD14\t0.8', 'SPI1\t\t1', 'MYC\tNPM1\t-0.4', ''].join('\n'),
  // A table no parser recognises: the user maps Gene A -> regulator, Gene B -> target, Effect -> sign, Score -> weight.
  // Line 4 has an unreadable sign; line 5 an unclosed quote.
  'custom_mapping.csv': [
    'Gene A,Gene B,Effect,Score,Note',
    'GATA1,KLF1,activates,2,"erythroid"',
    'KLF1,HBB,+,1.5,',
    'GATA1,SPI1,maybe,1,',
    'SPI1,GATA1,inhibits,"1,',
    'SPI1,CEBPA,activation,0.25,"myeloid, early"',
    '',
  ].join('\n'),
};

mkdirSync(OUT, { recursive: true });
for (const [name, text] of Object.entries(files)) writeFileSync(join(OUT, name), text);
process.stdout.write(`wrote ${Object.keys(files).length} files to ${OUT}\n`);
