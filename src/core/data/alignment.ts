/**
 * Lines a dataset's genes up with a model's input genes, through ever looser routes: exact symbol,
 * letter case, Ensembl id (version-free, GENCODE id <-> symbol), former symbols (org.Hs.eg.db
 * aliases via entrez id), and on request human <-> mouse orthologs (Ensembl 105). The result is a
 * `GeneAlignment` for `modelInput` plus a report the UI shows.
 */
import { isEnsemblGeneId, stripEnsemblVersion, type GeneTables, type OrthologTable } from './gene_tables.ts';
import type { GeneAlignment } from './preprocess.ts';
import { fmt } from './text_input.ts';

/** How one model gene found its dataset column. */
export type MatchRoute = 'exact' | 'case' | 'ensembl' | 'alias' | 'ortholog';

/** Which organism a gene list looks like it comes from. */
export type Species = 'human' | 'mouse' | 'unknown';

/** Below this matched fraction the model's output on the dataset is flagged as untrustworthy. */
export const TRUSTWORTHY_FRACTION = 0.8;

/** A `GeneAlignment` plus what the UI shows about it. */
export interface AlignmentReport extends GeneAlignment {
  /** `[nModelGenes]`: the route that matched each model gene, null when it is missing. */
  routes: (MatchRoute | null)[];
  /** Matched model genes per route. */
  byRoute: Record<MatchRoute, number>;
  /** nMatched / nModelGenes, in [0, 1]. */
  matchedFraction: number;
  /** Matched fraction >= TRUSTWORTHY_FRACTION, and no unresolved species mismatch. */
  isTrustworthy: boolean;
  /** Dataset gene names that occur more than once; the first column is used. */
  duplicateGenes: string[];
  /**
   * Model genes left missing because the only dataset name for them is an alias of several genes
   * (e.g. SHFM1 names DLX5 and SEM1): guessing would feed the model the wrong gene.
   */
  ambiguousAliases: { modelGene: string; datasetGene: string }[];
  datasetSpecies: Species;
  modelSpecies: Species;
  /** Dataset and model are different species and orthologs were not used: offer ortholog mapping. */
  isOrthologMappingSuggested: boolean;
  isOrthologMapped: boolean;
  /** One or two sentences for the UI. */
  message: string;
}

/** Options of `alignToModel`. */
export interface AlignOptions {
  /** Reference tables; each adds its route (GENCODE and human genes: ensembl, aliases + human genes: alias). */
  tables?: GeneTables;
  /** Ensembl ids of the model genes, `[nModelGenes]` ('' when unknown), when the manifest has them. */
  modelGeneIds?: string[];
  /** Map across species through `tables.orthologs` (mouse data + human model, or the reverse). */
  useOrthologs?: boolean;
}

const MOUSE_SHAPE_RE = /^[A-Z][a-z0-9]*[a-z][a-z0-9]*(-[A-Za-z0-9]+)*$|^\d+[A-Z]\d+Rik\d*$|^mt-[A-Z][a-z0-9]+$/;
const HUMAN_SHAPE_RE = /^(?=[^a-z]*[A-Z])[A-Z0-9][A-Z0-9.\-_]*$|^C\d+orf\d+$|^C[XY]orf\d+$/;
const HUMAN_ORF_RE = /^C(\d+|X|Y)orf\d+/;

/**
 * Guesses the organism of a gene list: Ensembl prefixes (ENSG vs ENSMUSG) first, then membership
 * in the ortholog table's human and mouse symbols when given, then symbol shape (mouse 'Cd74',
 * human 'CD74'). Returns the species and the fractions it rests on.
 */
export function detectSpecies(
  genes: string[],
  orthologs?: OrthologTable,
): { species: Species; mouseFraction: number; humanFraction: number } {
  const n = Math.max(1, genes.length);
  let ensHuman = 0;
  let ensMouse = 0;
  for (const g of genes) {
    if (g.startsWith('ENSMUSG')) ensMouse++;
    else if (/^ENSG\d/.test(g)) ensHuman++;
  }
  if (ensHuman + ensMouse >= 0.5 * n) {
    return { species: ensMouse > ensHuman ? 'mouse' : 'human', mouseFraction: ensMouse / n, humanFraction: ensHuman / n };
  }
  if (orthologs) {
    let inHuman = 0;
    let inMouse = 0;
    for (const g of genes) {
      if (orthologs.humanListed.has(g)) inHuman++;
      if (orthologs.mouseListed.has(g)) inMouse++;
    }
    const [h, m] = [inHuman / n, inMouse / n];
    if (Math.max(h, m) >= 0.3 && Math.max(h, m) >= 2 * Math.min(h, m))
      return { species: m > h ? 'mouse' : 'human', mouseFraction: m, humanFraction: h };
  }
  let mouseShaped = 0;
  let humanShaped = 0;
  for (const g of genes) {
    if (HUMAN_ORF_RE.test(g) || HUMAN_SHAPE_RE.test(g)) humanShaped++;
    else if (MOUSE_SHAPE_RE.test(g)) mouseShaped++;
  }
  const [h, m] = [humanShaped / n, mouseShaped / n];
  const species: Species = m >= 0.5 && m > h ? 'mouse' : h >= 0.5 && h > m ? 'human' : 'unknown';
  return { species, mouseFraction: m, humanFraction: h };
}

/** First index of each key; repeated keys are collected in `dups` when given. */
function firstIndex(keys: string[], dups?: string[]): Map<string, number> {
  const m = new Map<string, number>();
  keys.forEach((k, j) => {
    if (!m.has(k)) m.set(k, j);
    else if (dups && !dups.includes(k)) dups.push(k);
  });
  return m;
}

/**
 * Entrez ids each name of a list stands for: a current symbol its own gene(s); a former symbol or
 * alias the genes it names, less those the same list already holds under their current symbol (a
 * list does not name one gene twice). `isAmbiguous` marks aliases still naming several genes.
 */
function entrezOfList(names: string[], tables: GeneTables): { ids: string[][]; isAmbiguous: boolean[] } {
  const current = names.map((n) => tables.human?.entrezBySymbol.get(n.toUpperCase()));
  const held = new Set(current.flatMap((e) => e ?? []));
  const isAmbiguous = new Array<boolean>(names.length).fill(false);
  const ids = names.map((n, j) => {
    if (current[j]) return current[j];
    const named = (tables.aliases?.entrezByAlias.get(n.toUpperCase()) ?? []).filter((e) => !held.has(e));
    isAmbiguous[j] = named.length > 1;
    return named;
  });
  return { ids, isAmbiguous };
}

/**
 * Aligns model genes to a dataset's genes (`[nModelGenes]` dataset columns, -1 = missing, filled
 * with 0 by `modelInput`) and reports how. Routes are tried per model gene in order: exact symbol,
 * case-insensitive, Ensembl id, alias; the first dataset column wins among duplicates. With
 * `useOrthologs`, a gene of the other species is found through the ortholog table first (exact
 * and case matches remain for genes the table does not list). Without it, a mouse dataset with a
 * human model (or the reverse) gets `isOrthologMappingSuggested` and a message saying so.
 */
export function alignToModel(
  dataset: { genes: string[]; geneIds?: string[] },
  modelGenes: string[],
  opts: AlignOptions = {},
): AlignmentReport {
  const tables = opts.tables ?? {};
  const genes = dataset.genes;
  const duplicateGenes: string[] = [];
  const exact = firstIndex(genes, duplicateGenes);
  const folded = firstIndex(genes.map((g) => g.toUpperCase()));
  const lookupName = (name: string): [number, MatchRoute] | null => {
    const j = exact.get(name);
    if (j !== undefined) return [j, 'exact'];
    const f = folded.get(name.toUpperCase());
    return f !== undefined ? [f, 'case'] : null;
  };

  // Dataset columns by version-free Ensembl id, from geneIds and from names that are ids.
  const byEnsembl = new Map<string, number>();
  genes.forEach((g, j) => {
    for (const id of [dataset.geneIds?.[j] ?? '', g]) {
      if (!isEnsemblGeneId(id)) continue;
      const key = stripEnsemblVersion(id);
      if (!byEnsembl.has(key)) byEnsembl.set(key, j);
    }
  });
  const hasEnsemblRoute = byEnsembl.size > 0 || tables.gencode !== undefined;
  const ensemblOfModel = (name: string, i: number): string[] => {
    const ids: string[] = [];
    for (const id of [opts.modelGeneIds?.[i] ?? '', name]) if (isEnsemblGeneId(id)) ids.push(stripEnsemblVersion(id));
    const upper = name.toUpperCase();
    ids.push(...(tables.gencode?.idsBySymbol.get(upper) ?? []));
    for (const e of tables.human?.entrezBySymbol.get(upper) ?? []) ids.push(...(tables.human?.ensemblByEntrez.get(e) ?? []));
    return ids;
  };

  // Dataset columns by entrez id, for the alias route: current symbols keep their own gene only.
  const hasAliasRoute = tables.human !== undefined && tables.aliases !== undefined;
  const byEntrez = new Map<string, number>();
  const ambiguousByEntrez = new Map<string, number>();
  const modelEntrez = hasAliasRoute ? entrezOfList(modelGenes, tables) : null;
  if (hasAliasRoute) {
    const d = entrezOfList(genes, tables);
    d.ids.forEach((ids, j) => {
      const target = d.isAmbiguous[j] ? ambiguousByEntrez : byEntrez;
      for (const e of ids) if (!target.has(e)) target.set(e, j);
    });
  }

  const datasetInfo = detectSpecies(genes, tables.orthologs);
  const modelInfo = detectSpecies(modelGenes, tables.orthologs);
  const isCrossSpecies = datasetInfo.species !== 'unknown' && modelInfo.species !== 'unknown' && datasetInfo.species !== modelInfo.species;
  const isOrthologMapped = Boolean(opts.useOrthologs && isCrossSpecies && tables.orthologs);
  const orthologsOf = (name: string): string[] | null => {
    const t = tables.orthologs!;
    const isHumanModel = modelInfo.species === 'human';
    const listed = isHumanModel ? t.humanListed : t.mouseListed;
    if (!listed.has(name)) return null;
    return (isHumanModel ? t.mouseByHuman : t.humanByMouse).get(name) ?? [];
  };

  const nModel = modelGenes.length;
  const datasetColumn = new Int32Array(nModel).fill(-1);
  const routes: (MatchRoute | null)[] = new Array(nModel).fill(null);
  const missing: string[] = [];
  const ambiguousAliases: { modelGene: string; datasetGene: string }[] = [];
  modelGenes.forEach((name, i) => {
    let hit: [number, MatchRoute] | null = null;
    if (isOrthologMapped) {
      const candidates = orthologsOf(name);
      if (candidates !== null) {
        for (const c of candidates) {
          const found = lookupName(c);
          if (found) {
            hit = [found[0], 'ortholog'];
            break;
          }
        }
      } else hit = lookupName(name);
    } else {
      hit = lookupName(name);
      if (!hit && hasEnsemblRoute) {
        for (const id of ensemblOfModel(name, i)) {
          const j = byEnsembl.get(id);
          if (j !== undefined) {
            hit = [j, 'ensembl'];
            break;
          }
        }
        // A model listing Ensembl ids against a dataset of symbols: the id's GENCODE symbol.
        const symbol = isEnsemblGeneId(name) ? tables.gencode?.symbolById.get(stripEnsemblVersion(name)) : undefined;
        const bySymbol = !hit && symbol ? lookupName(symbol) : null;
        if (bySymbol) hit = [bySymbol[0], 'ensembl'];
      }
      if (!hit && modelEntrez && !modelEntrez.isAmbiguous[i]) {
        const ids = modelEntrez.ids[i];
        const j = ids.map((e) => byEntrez.get(e)).find((c) => c !== undefined);
        if (j !== undefined) hit = [j, 'alias'];
        else {
          const a = ids.map((e) => ambiguousByEntrez.get(e)).find((c) => c !== undefined);
          if (a !== undefined) ambiguousAliases.push({ modelGene: name, datasetGene: genes[a] });
        }
      }
    }
    if (hit) {
      datasetColumn[i] = hit[0];
      routes[i] = hit[1];
    } else missing.push(name);
  });

  const byRoute: Record<MatchRoute, number> = { exact: 0, case: 0, ensembl: 0, alias: 0, ortholog: 0 };
  for (const r of routes) if (r) byRoute[r]++;
  const nMatched = nModel - missing.length;
  const matchedFraction = nModel > 0 ? nMatched / nModel : 0;
  const isOrthologMappingSuggested = isCrossSpecies && !isOrthologMapped;
  const isTrustworthy = matchedFraction >= TRUSTWORTHY_FRACTION && !isOrthologMappingSuggested;
  const message = describe({
    nMatched,
    nModel,
    byRoute,
    missing,
    duplicateGenes,
    ambiguousAliases,
    isTrustworthy,
    isOrthologMappingSuggested,
    isOrthologMapped,
    datasetSpecies: datasetInfo.species,
    modelSpecies: modelInfo.species,
    examples: exampleGenes(genes, datasetInfo.species),
    hasOrthologTable: tables.orthologs !== undefined,
  });
  return {
    datasetColumn,
    nMatched,
    nModelGenes: nModel,
    missing,
    routes,
    byRoute,
    matchedFraction,
    isTrustworthy,
    duplicateGenes,
    ambiguousAliases,
    datasetSpecies: datasetInfo.species,
    modelSpecies: modelInfo.species,
    isOrthologMappingSuggested,
    isOrthologMapped,
    message,
  };
}

/** Three short, typical names of `species` from `genes`, for the message. */
function exampleGenes(genes: string[], species: Species): string[] {
  const re = species === 'mouse' ? MOUSE_SHAPE_RE : HUMAN_SHAPE_RE;
  const typical = genes.filter((g) => g.length <= 6 && /^[A-Za-z]/.test(g) && re.test(g));
  return (typical.length >= 3 ? typical : genes).slice(0, 3);
}

const ROUTE_WORDS: Record<MatchRoute, string> = {
  exact: 'by symbol',
  case: 'ignoring letter case',
  ensembl: 'by Ensembl id',
  alias: 'through former symbols (aliases)',
  ortholog: 'through Ensembl 105 orthologs',
};

function describe(r: {
  nMatched: number;
  nModel: number;
  byRoute: Record<MatchRoute, number>;
  missing: string[];
  duplicateGenes: string[];
  ambiguousAliases: { modelGene: string; datasetGene: string }[];
  isTrustworthy: boolean;
  isOrthologMappingSuggested: boolean;
  isOrthologMapped: boolean;
  datasetSpecies: Species;
  modelSpecies: Species;
  examples: string[];
  hasOrthologTable: boolean;
}): string {
  const pct = r.nModel > 0 ? ((100 * r.nMatched) / r.nModel).toFixed(1) : '0';
  if (r.isOrthologMappingSuggested) {
    return (
      `This dataset's genes look like ${r.datasetSpecies} genes (e.g. ${r.examples.join(', ')}), but the model was trained on ${r.modelSpecies} genes. ` +
      `Matching names across species would pair ${fmt(r.nMatched)} of ${fmt(r.nModel)} model genes by spelling alone, which is not reliable. ` +
      (r.hasOrthologTable
        ? `Map the genes through the Ensembl 105 human-mouse ortholog table instead?`
        : `Load the Ensembl 105 human-mouse ortholog table to map them as orthologs.`)
    );
  }
  const parts = (Object.keys(r.byRoute) as MatchRoute[])
    .filter((k) => r.byRoute[k] > 0)
    .map((k) => `${fmt(r.byRoute[k])} ${ROUTE_WORDS[k]}`);
  const lead = r.isOrthologMapped ? `Mapped ${r.datasetSpecies} genes to the model's ${r.modelSpecies} genes: matched` : 'Matched';
  let s = `${lead} ${fmt(r.nMatched)} of ${fmt(r.nModel)} model genes (${pct}%)${parts.length ? `: ${parts.join(', ')}` : ''}.`;
  if (r.missing.length > 0) {
    s += ` ${fmt(r.missing.length)} are missing and filled with 0 (e.g. ${r.missing.slice(0, 5).join(', ')}).`;
  }
  if (r.ambiguousAliases.length > 0) {
    const eg = r.ambiguousAliases
      .slice(0, 3)
      .map((a) => `${a.modelGene} ~ ${a.datasetGene}`)
      .join(', ');
    s += ` ${fmt(r.ambiguousAliases.length)} of the missing have only an old name in the dataset that names several genes (e.g. ${eg}), so they were not guessed.`;
  }
  if (r.duplicateGenes.length > 0) {
    s += ` ${fmt(r.duplicateGenes.length)} gene names occur more than once in the dataset; the first of each is used.`;
  }
  if (!r.isTrustworthy) {
    s += ` Fewer than ${Math.round(TRUSTWORTHY_FRACTION * 100)}% of the model's genes were found, so its predictions and explanations for this dataset may not be trustworthy.`;
  }
  return s;
}
