import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignToModel, detectSpecies, TRUSTWORTHY_FRACTION } from '../../../src/core/data/alignment.ts';
import type { Dataset } from '../../../src/core/data/dataset.ts';
import {
  parseGencodeIdToName,
  parseGeneAliases,
  parseHumanGenes,
  parseHumanMouseOrthologs,
  type GeneTables,
} from '../../../src/core/data/gene_tables.ts';
import { modelInput } from '../../../src/core/data/preprocess.ts';
import { readMtxWithTables } from '../../../src/core/data/tenx_mtx.ts';
import { loadDemo, nodeGunzip } from './text_helpers.ts';

/** Small hand-made tables in the shipped files' formats. */
function smallTables(): GeneTables {
  return {
    gencode: parseGencodeIdToName('ENSG00000111111,GENEA\nENSG00000222222,GENEB\nENSG00000333333,NEWSYM\n'),
    human: parseHumanGenes(
      [
        'entrez_id\tsymbol\tgene_name\tgene_type\tchromosome\tensembl_ids',
        '1\tGENEA\ta\tprotein-coding\t1\tENSG00000111111',
        '2\tGENEB\tb\tprotein-coding\t1\tENSG00000222222',
        '3\tNEWSYM\tnew\tprotein-coding\t2\tENSG00000333333',
        '4\tOTHER\to\tprotein-coding\t3\t',
      ].join('\n'),
    ),
    aliases: parseGeneAliases('entrez_id\talias\r\n3\tOLDSYM\r\n3\tAMBIG\r\n4\tAMBIG\r\n4\tGENEA\r\n'),
  };
}

describe('alignToModel on small lists', () => {
  it('matches by symbol, case, Ensembl id (version-free) and alias, in that order, and reports the routes', () => {
    const dataset = {
      genes: ['GeneA', 'x1', 'OLDSYM', 'CD3E', 'CD3E', 'LYZ'],
      geneIds: ['', 'ENSG00000222222.7', '', '', '', ''],
    };
    const model = ['CD3E', 'GENEA', 'GENEB', 'NEWSYM', 'ENSG00000222222.3', 'MISSING1', 'lyz'];
    const r = alignToModel(dataset, model, { tables: smallTables() });
    expect(Array.from(r.datasetColumn)).toEqual([3, 0, 1, 2, 1, -1, 5]);
    expect(r.routes).toEqual(['exact', 'case', 'ensembl', 'alias', 'ensembl', null, 'case']);
    expect(r.byRoute).toEqual({ exact: 1, case: 2, ensembl: 2, alias: 1, ortholog: 0 });
    expect([r.nMatched, r.nModelGenes]).toEqual([6, 7]);
    expect(r.missing).toEqual(['MISSING1']);
    expect(r.duplicateGenes).toEqual(['CD3E']);
    expect(r.matchedFraction).toBeCloseTo(6 / 7, 12);
    expect(r.isTrustworthy).toBe(true);
    expect(r.message).toBe(
      'Matched 6 of 7 model genes (85.7%): 1 by symbol, 2 ignoring letter case, 2 by Ensembl id, 1 through former symbols (aliases). 1 are missing and filled with 0 (e.g. MISSING1). 1 gene names occur more than once in the dataset; the first of each is used.',
    );
  });

  it('never lets an alias override a current symbol, and leaves an alias of several genes unguessed', () => {
    // 'GENEA' is an alias of OTHER (entrez 4) but the current symbol of entrez 1: it stands for GENEA only.
    const plain = alignToModel({ genes: ['GENEA'] }, ['OTHER'], { tables: smallTables() });
    expect(plain.missing).toEqual(['OTHER']);
    // AMBIG names entrez 3 (NEWSYM) and 4 (OTHER): neither model gene takes it.
    const r = alignToModel({ genes: ['GENEA', 'AMBIG'] }, ['OTHER', 'NEWSYM'], { tables: smallTables() });
    expect(Array.from(r.datasetColumn)).toEqual([-1, -1]);
    expect(r.ambiguousAliases).toEqual([
      { modelGene: 'OTHER', datasetGene: 'AMBIG' },
      { modelGene: 'NEWSYM', datasetGene: 'AMBIG' },
    ]);
    expect(r.message).toMatch(
      /2 of the missing have only an old name in the dataset that names several genes \(e\.g\. OTHER ~ AMBIG, NEWSYM ~ AMBIG\)/,
    );
    // When the dataset also holds NEWSYM under its own name, AMBIG can only be OTHER.
    const resolved = alignToModel({ genes: ['NEWSYM', 'AMBIG'] }, ['OTHER', 'NEWSYM'], { tables: smallTables() });
    expect(Array.from(resolved.datasetColumn)).toEqual([1, 0]);
    expect(resolved.routes).toEqual(['alias', 'exact']);
  });

  it('maps a model of Ensembl ids to a dataset of symbols through GENCODE', () => {
    const r = alignToModel({ genes: ['NEWSYM', 'GENEA'] }, ['ENSG00000111111.2', 'ENSG00000333333'], { tables: smallTables() });
    expect(Array.from(r.datasetColumn)).toEqual([1, 0]);
    expect(r.byRoute.ensembl).toBe(2);
  });

  it('flags fewer than 80 % matched as untrustworthy, with a sentence', () => {
    expect(TRUSTWORTHY_FRACTION).toBe(0.8);
    const genes = ['A', 'B', 'C', 'D', 'E'];
    const four = alignToModel({ genes }, ['A', 'B', 'C', 'D', 'Z']);
    expect(four.matchedFraction).toBe(0.8);
    expect(four.isTrustworthy).toBe(true);
    const three = alignToModel({ genes }, ['A', 'B', 'C', 'Y', 'Z']);
    expect(three.isTrustworthy).toBe(false);
    expect(three.message).toMatch(
      /Fewer than 80% of the model's genes were found, so its predictions and explanations for this dataset may not be trustworthy\./,
    );
  });

  it('gives modelInput the columns it needs (dense rows filled with 0 for missing genes)', () => {
    const ds: Dataset = {
      name: 't',
      matrix: { nRows: 2, nCols: 3, indptr: Uint32Array.of(0, 2, 3), indices: Uint16Array.of(0, 2, 1), data: Float32Array.of(1, 3, 5) },
      valueKind: 'normalized',
      genes: ['OLDSYM', 'GeneA', 'x'],
      geneIds: ['', '', 'ENSG00000222222'],
      cellIds: ['c1', 'c2'],
      obs: {},
      obsm: {},
    };
    const r = alignToModel(ds, ['GENEB', 'NEWSYM', 'ABSENT', 'GENEA'], { tables: smallTables() });
    expect(Array.from(modelInput(ds, [], r))).toEqual([3, 1, 0, 0, 0, 0, 0, 5]);
  });
});

describe('species', () => {
  it('tells mouse symbols from human ones by shape and by Ensembl prefix', () => {
    expect(detectSpecies(['Cd74', 'Ins1', 'H2-Ab1', 'mt-Nd1', '0610007P14Rik', 'Gm12345']).species).toBe('mouse');
    expect(detectSpecies(['CD74', 'INS', 'HLA-DRA', 'MT-ND1', 'C1orf112', 'RP11-206L10.2']).species).toBe('human');
    expect(detectSpecies(['ENSMUSG00000000001', 'ENSMUSG00000000028']).species).toBe('mouse');
    expect(detectSpecies(['ENSG00000141510.17', 'ENSG00000111111']).species).toBe('human');
    expect(detectSpecies(['1', '2', 'abc']).species).toBe('unknown');
  });

  it('offers ortholog mapping for mouse data and a human model, then maps through the table', () => {
    const orthologs = parseHumanMouseOrthologs('CD74,Cd74\nLYZ,Lyz1\nLYZ,Lyz2\nHBB,Hbb-bs\nMT-TF,\nINS,Ins2\n');
    const dataset = { genes: ['Cd74', 'Lyz2', 'Hbb-bs', 'Actb', 'Ins1', 'Mt-tf'] };
    const model = ['CD74', 'LYZ', 'HBB', 'ACTB', 'INS', 'MT-TF'];
    const offer = alignToModel(dataset, model, { tables: { orthologs } });
    expect([offer.datasetSpecies, offer.modelSpecies]).toEqual(['mouse', 'human']);
    expect(offer.isOrthologMappingSuggested).toBe(true);
    expect(offer.isTrustworthy).toBe(false);
    expect(offer.message).toMatch(
      /^This dataset's genes look like mouse genes \(e\.g\. Cd74, Lyz2, Hbb-bs\), but the model was trained on human genes\./,
    );
    expect(offer.message).toMatch(/Map the genes through the Ensembl 105 human-mouse ortholog table instead\?$/);
    const mapped = alignToModel(dataset, model, { tables: { orthologs }, useOrthologs: true });
    expect(mapped.isOrthologMapped).toBe(true);
    // LYZ takes its second ortholog (Lyz2, the one present); ACTB is not in the table and falls back to case;
    // INS's ortholog Ins2 is absent, and the table's word wins over the same-looking Ins1; MT-TF has none.
    expect(Array.from(mapped.datasetColumn)).toEqual([0, 1, 2, 3, -1, -1]);
    expect(mapped.routes).toEqual(['ortholog', 'ortholog', 'ortholog', 'case', null, null]);
    expect(mapped.message).toMatch(/^Mapped mouse genes to the model's human genes: matched 4 of 6 model genes/);
  });
});

/**
 * The alias rule, re-derived from plain splits of the raw files: each name of a list stands for its
 * own gene when it is a current symbol, else for the genes its alias names less those the list
 * holds by current symbol; more than one left is ambiguous.
 */
function rawAliasResolver(): (names: string[]) => { ids: string[]; isAmbiguous: boolean }[] {
  const cur = new Map<string, string[]>();
  const gz = gunzipSync(readFileSync('public/data/genes/human_genes_entrez_symbol_ensembl.tsv.gz')).toString('utf8').split('\n');
  for (const l of gz.slice(1)) {
    const [e, s] = l.split('\t');
    if (s) cur.set(s.toUpperCase(), [...(cur.get(s.toUpperCase()) ?? []), e]);
  }
  const ali = new Map<string, string[]>();
  for (const l of readFileSync('public/data/genes/human_gene_aliases.tsv', 'utf8').split('\r\n').slice(1)) {
    const [e, a] = l.split('\t');
    if (a) ali.set(a.toUpperCase(), [...(ali.get(a.toUpperCase()) ?? []), e]);
  }
  return (names) => {
    const held = new Set(names.flatMap((n) => cur.get(n.toUpperCase()) ?? []));
    return names.map((n) => {
      const own = cur.get(n.toUpperCase());
      if (own) return { ids: own, isAmbiguous: false };
      const ids = (ali.get(n.toUpperCase()) ?? []).filter((e) => !held.has(e));
      return { ids, isAmbiguous: ids.length > 1 };
    });
  };
}

const ALIAS_ONLY = 128;
const AMBIGUOUS = 10;

describe('real genes', () => {
  let pbmc: Dataset;
  let tables: GeneTables;
  beforeAll(() => {
    pbmc = loadDemo();
    const read = (f: string) => readFileSync(`public/data/genes/${f}`, 'utf8');
    tables = {
      gencode: parseGencodeIdToName(read('gencode_v44_id2name.csv')),
      human: parseHumanGenes(gunzipSync(readFileSync('public/data/genes/human_genes_entrez_symbol_ensembl.tsv.gz')).toString('utf8')),
      aliases: parseGeneAliases(read('human_gene_aliases.tsv')),
      orthologs: parseHumanMouseOrthologs(read('ensembl105_human2mouse.csv')),
    };
  });

  it('pbmc3k against the demo classifier: 2,000 of 2,000, all by symbol, human on both sides', () => {
    const manifest = JSON.parse(readFileSync('models/pbmc3k-classifier/manifest.json', 'utf8')) as { input: { genes: string[] } };
    const r = alignToModel(pbmc, manifest.input.genes, { tables });
    expect([r.nMatched, r.nModelGenes]).toEqual([2000, 2000]);
    expect(r.byRoute.exact).toBe(2000);
    expect(r.isTrustworthy).toBe(true);
    expect([r.datasetSpecies, r.modelSpecies]).toEqual(['human', 'human']);
    expect(r.message).toBe('Matched 2,000 of 2,000 model genes (100.0%): 2,000 by symbol.');
    manifest.input.genes.forEach((g, i) => expect(pbmc.genes[r.datasetColumn[i]]).toBe(g));
  });

  it('pbmc3k against CollecTRI: 4,364 by symbol, 128 more only through aliases, 10 left out as ambiguous (counted independently)', () => {
    const collectri = new Set<string>();
    for (const l of readFileSync('public/data/grn/collectri_human.csv', 'utf8').split('\n').slice(1)) {
      const [s, t] = l.replaceAll('"', '').split(',');
      if (t) collectri.add(s).add(t);
    }
    const model = [...collectri];
    expect(model.length).toBe(6956);
    // Symbols only, so the alias route is not pre-empted by the 10x Ensembl ids.
    const r = alignToModel({ genes: pbmc.genes }, model, { tables });
    // Independent count: CollecTRI genes absent from pbmc3k by name (any case) that share an entrez id
    // with a pbmc3k name, unambiguously on both sides.
    const resolve = rawAliasResolver();
    const sure = new Set<string>();
    const unsure = new Set<string>();
    for (const d of resolve(pbmc.genes)) for (const e of d.ids) (d.isAmbiguous ? unsure : sure).add(e);
    const upper = new Set(pbmc.genes.map((g) => g.toUpperCase()));
    const modelIds = resolve(model);
    const unnamed = model.map((_, i) => i).filter((i) => !upper.has(model[i].toUpperCase()) && !modelIds[i].isAmbiguous);
    const onlyAlias = unnamed.filter((i) => modelIds[i].ids.some((e) => sure.has(e)));
    const ambiguous = unnamed.filter((i) => !modelIds[i].ids.some((e) => sure.has(e)) && modelIds[i].ids.some((e) => unsure.has(e)));
    expect(model.filter((g) => upper.has(g.toUpperCase())).length).toBe(4364);
    expect([onlyAlias.length, ambiguous.length]).toEqual([ALIAS_ONLY, AMBIGUOUS]);
    expect(r.byRoute).toEqual({ exact: 4364, case: 0, ensembl: 0, alias: ALIAS_ONLY, ortholog: 0 });
    expect(r.ambiguousAliases.length).toBe(AMBIGUOUS);
    expect(r.nMatched).toBe(4364 + ALIAS_ONLY);
    expect(r.isTrustworthy).toBe(false);
    // Alias matches point at the old symbols pbmc3k uses.
    expect(pbmc.genes[r.datasetColumn[model.indexOf('CXCL8')]]).toBe('IL8');
    expect(pbmc.genes[r.datasetColumn[model.indexOf('JCHAIN')]]).toBe('IGJ');
    // With the 10x Ensembl ids, one more gene is found by id.
    const withIds = alignToModel(pbmc, model, { tables });
    expect(withIds.byRoute).toEqual({ exact: 4364, case: 0, ensembl: 1, alias: ALIAS_ONLY, ortholog: 0 });
  });

  it('Baron mouse pancreas against the human model: the mouse message, then 1,524 of 2,000 through orthologs', async () => {
    const dir = 'test/data/baron_mouse_pancreas';
    const file = (f: string) => new Uint8Array(readFileSync(`${dir}/${f}`));
    const baron = await readMtxWithTables(
      { matrix: file('matrix.mtx.gz'), genes: file('genes.txt'), cells: file('cells.csv') },
      { gunzip: nodeGunzip },
    );
    const manifest = JSON.parse(readFileSync('models/pbmc3k-classifier/manifest.json', 'utf8')) as { input: { genes: string[] } };
    const model = manifest.input.genes;
    const offer = alignToModel(baron, model, { tables });
    expect([offer.datasetSpecies, offer.modelSpecies]).toEqual(['mouse', 'human']);
    expect(offer.isOrthologMappingSuggested).toBe(true);
    expect(offer.isTrustworthy).toBe(false);
    expect(offer.message).toMatch(/look like mouse genes .* trained on human genes\..*ortholog table instead\?$/);

    const mapped = alignToModel(baron, model, { tables, useOrthologs: true });
    // Independent count from a plain split of the ortholog table.
    const mouseOf = new Map<string, string[]>();
    for (const l of readFileSync('public/data/genes/ensembl105_human2mouse.csv', 'utf8').split('\n')) {
      const [h, m] = l.split(',');
      if (h) mouseOf.set(h, m ? [...(mouseOf.get(h) ?? []), m] : (mouseOf.get(h) ?? []));
    }
    const exact = new Set(baron.genes);
    const upper = new Set(baron.genes.map((g) => g.toUpperCase()));
    const has = (g: string) => exact.has(g) || upper.has(g.toUpperCase());
    const viaTable = model.filter((h) => mouseOf.has(h) && mouseOf.get(h)!.some(has)).length;
    const viaCase = model.filter((h) => !mouseOf.has(h) && has(h)).length;
    expect([viaTable, viaCase]).toEqual([1467, 57]);
    expect(mapped.byRoute).toEqual({ exact: 0, case: 57, ensembl: 0, alias: 0, ortholog: 1467 });
    expect(mapped.nMatched).toBe(1524);
    expect(mapped.matchedFraction).toBeCloseTo(0.762, 12);
    expect(mapped.isTrustworthy).toBe(false);
    // A named example: CD74 is Cd74.
    expect(baron.genes[mapped.datasetColumn[model.indexOf('CD74')]]).toBe('Cd74');
  });
});
