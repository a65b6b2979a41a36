/**
 * Gene alignment in the worker: exact symbols first; when that leaves model genes missing, the
 * shipped reference tables (GENCODE ids, org.Hs.eg.db aliases, Ensembl orthologs) are fetched once
 * from the app's own origin and the alignment is redone through them.
 */
import { alignToModel, type AlignmentReport } from '../core/data/alignment.ts';
import {
  GENE_TABLE_FILES,
  parseGencodeIdToName,
  parseGeneAliases,
  parseHumanGenes,
  parseHumanMouseOrthologs,
  type GeneTables,
} from '../core/data/gene_tables.ts';
import { gunzip } from './open_files.ts';

let tables: Promise<GeneTables> | null = null;

async function fetchText(base: string, file: { path: string; isGzip: boolean }): Promise<string> {
  const res = await fetch(new URL(file.path, base));
  if (!res.ok) throw new Error(`Could not read the gene table ${file.path} (HTTP ${res.status}).`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return new TextDecoder().decode(file.isGzip ? await gunzip(bytes) : bytes);
}

/** Loads (once) every reference table; `base` is the app's base URL. */
export function loadGeneTables(base: string): Promise<GeneTables> {
  tables ??= (async () => {
    const [gencode, human, aliases, orthologs] = await Promise.all([
      fetchText(base, GENE_TABLE_FILES.gencode),
      fetchText(base, GENE_TABLE_FILES.human),
      fetchText(base, GENE_TABLE_FILES.aliases),
      fetchText(base, GENE_TABLE_FILES.orthologs),
    ]);
    return {
      gencode: parseGencodeIdToName(gencode),
      human: parseHumanGenes(human),
      aliases: parseGeneAliases(aliases),
      orthologs: parseHumanMouseOrthologs(orthologs),
    };
  })().catch((err) => {
    tables = null;
    throw err;
  });
  return tables;
}

/**
 * Aligns dataset genes to model genes. Perfect exact matches skip the tables (the demo's case);
 * otherwise the tables add the Ensembl, alias and (when asked) ortholog routes.
 */
export async function alignDataset(
  dataset: { genes: string[]; geneIds?: string[] },
  modelGenes: string[],
  options: { base: string; useOrthologs?: boolean },
): Promise<AlignmentReport> {
  const quick = alignToModel(dataset, modelGenes);
  if (quick.nMatched === quick.nModelGenes && !options.useOrthologs) return quick;
  const loaded = await loadGeneTables(options.base);
  return alignToModel(dataset, modelGenes, { tables: loaded, useOrthologs: options.useOrthologs });
}
