/**
 * The shipped gene tables (public/data/genes, byte copies of the shared data) through their
 * parsers, with counts checked against plain line splits of the same files.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isEnsemblGeneId,
  parseGencodeIdToName,
  parseGeneAliases,
  parseHumanGenes,
  parseHumanMouseOrthologs,
  stripEnsemblVersion,
  type AliasTable,
  type GencodeTable,
  type HumanGeneTable,
  type OrthologTable,
} from '../../../src/core/data/gene_tables.ts';

const DIR = 'public/data/genes';
const text = (f: string) => (f.endsWith('.gz') ? gunzipSync(readFileSync(`${DIR}/${f}`)) : readFileSync(`${DIR}/${f}`)).toString('utf8');
const rows = (f: string) =>
  text(f)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '');

let gencode: GencodeTable;
let human: HumanGeneTable;
let aliases: AliasTable;
let orthologs: OrthologTable;
beforeAll(() => {
  gencode = parseGencodeIdToName(text('gencode_v44_id2name.csv'));
  human = parseHumanGenes(text('human_genes_entrez_symbol_ensembl.tsv.gz'));
  aliases = parseGeneAliases(text('human_gene_aliases.tsv'));
  orthologs = parseHumanMouseOrthologs(text('ensembl105_human2mouse.csv'));
});

describe('Ensembl ids', () => {
  it('recognise ids with and without versions, human and mouse, and strip the version', () => {
    expect(isEnsemblGeneId('ENSG00000141510')).toBe(true);
    expect(isEnsemblGeneId('ENSG00000141510.17')).toBe(true);
    expect(isEnsemblGeneId('ENSMUSG00000000001.4')).toBe(true);
    expect(isEnsemblGeneId('TP53')).toBe(false);
    expect(isEnsemblGeneId('ENST00000269305')).toBe(false);
    expect(stripEnsemblVersion('ENSG00000141510.17')).toBe('ENSG00000141510');
    expect(stripEnsemblVersion('RP11-206L10.2')).toBe('RP11-206L10.2');
  });
});

describe('shipped gene tables', () => {
  it('GENCODE v44: 62,754 ids, every one with its symbol', () => {
    const lines = rows('gencode_v44_id2name.csv');
    expect(lines.length).toBe(62754);
    expect(gencode.symbolById.size).toBe(62754);
    expect(gencode.symbolById.get('ENSG00000141510')).toBe('TP53');
    // 343 symbols (e.g. Y_RNA copies) name several ids; the symbol -> ids side keeps them all.
    expect(gencode.idsBySymbol.get('TP53')).toEqual(['ENSG00000141510']);
    let nIds = 0;
    for (const ids of gencode.idsBySymbol.values()) nIds += ids.length;
    expect(nIds).toBe(62754);
  });

  it('org.Hs.eg.db: 77,614 genes, 18 symbols shared by two entrez ids, Ensembl ids split on commas', () => {
    expect(rows('human_genes_entrez_symbol_ensembl.tsv.gz').length).toBe(77615);
    expect(human.symbolByEntrez.size).toBe(77614);
    expect([...human.entrezBySymbol.values()].filter((e) => e.length > 1).length).toBe(18);
    expect(human.symbolByEntrez.get('7157')).toBe('TP53');
    // ABCF1 lists seven Ensembl ids (alternate haplotypes).
    expect(human.ensemblByEntrez.get('23')).toHaveLength(7);
    expect(human.entrezByEnsembl.get('ENSG00000204574')).toEqual(['23']);
  });

  it('aliases: HIST1H4C is a former name of H4C3', () => {
    const lines = rows('human_gene_aliases.tsv');
    expect(lines[0]).toBe('entrez_id\talias');
    let n = 0;
    for (const e of aliases.entrezByAlias.values()) n += e.length;
    // Upper-casing merges no line away: each (entrez, alias) line appears once in the table.
    const distinctPairs = new Set(lines.slice(1).map((l) => `${l.split('\t')[0]}\t${l.split('\t')[1].toUpperCase()}`));
    expect(n).toBe(distinctPairs.size);
    expect(aliases.entrezByAlias.get('HIST1H4C')!.map((e) => human.symbolByEntrez.get(e))).toEqual(['H4C3']);
  });

  it('Ensembl 105 human -> mouse: one-to-many pairs in table order, empty sides kept as "no ortholog"', () => {
    const lines = rows('ensembl105_human2mouse.csv');
    const pairs = lines.filter((l) => !l.startsWith(',') && !l.endsWith(','));
    let n = 0;
    for (const m of orthologs.mouseByHuman.values()) n += m.length;
    expect(n).toBe(new Set(pairs).size);
    expect(orthologs.mouseByHuman.get('CD74')).toEqual(['Cd74']);
    expect(orthologs.humanListed.has('MT-TF')).toBe(true);
    expect(orthologs.mouseByHuman.has('MT-TF')).toBe(false);
    expect(orthologs.humanByMouse.get('mt-Nd1')).toEqual(['MT-ND1']);
  });

  it('pbmc3k symbols: 11,493 are current, 893 more resolve only through aliases (894 ignoring case)', () => {
    const genes = readFileSync('test/data/pbmc3k/genes.txt', 'utf8').trim().split('\n');
    expect(genes.length).toBe(13714);
    // Exact-case reading of the raw files, as the data README counts.
    const current = new Set(rows('human_genes_entrez_symbol_ensembl.tsv.gz').map((l) => l.split('\t')[1]));
    const rawAliases = new Set(rows('human_gene_aliases.tsv').map((l) => l.split('\t')[1]));
    const isCurrent = genes.filter((g) => current.has(g));
    expect(isCurrent.length).toBe(11493);
    expect(genes.filter((g) => !current.has(g) && rawAliases.has(g)).length).toBe(893);
    // The parsed (case-folded) tables: C2ORF15 and ZHX1-C8ORF76 become current, and one more alias resolves.
    const foldedCurrent = genes.filter((g) => human.entrezBySymbol.has(g.toUpperCase()));
    expect(foldedCurrent.length).toBe(11495);
    expect(genes.filter((g) => !human.entrezBySymbol.has(g.toUpperCase()) && aliases.entrezByAlias.has(g.toUpperCase())).length).toBe(894);
  });
});
