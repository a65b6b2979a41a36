/**
 * Parsers for the gene reference tables shipped in public/data/genes (see PROVENANCE.md there):
 * GENCODE v44 Ensembl id -> symbol, org.Hs.eg.db genes and aliases, Ensembl 105 human -> mouse
 * orthologs. Each takes the file's text (the caller fetches and, for .gz, decompresses it).
 */

const ENSEMBL_GENE_RE = /^ENS[A-Z]*G\d{6,}(\.\d+)?$/;

/** True for an Ensembl gene id, with or without a version: ENSG00000141510, ENSMUSG00000000001.4. */
export function isEnsemblGeneId(s: string): boolean {
  return ENSEMBL_GENE_RE.test(s);
}

/** Drops an Ensembl version suffix: 'ENSG00000141510.17' -> 'ENSG00000141510'; other names unchanged. */
export function stripEnsemblVersion(id: string): string {
  return ENSEMBL_GENE_RE.test(id) ? id.replace(/\.\d+$/, '') : id;
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

function lines(text: string): string[] {
  const out = text.split('\n');
  for (let i = 0; i < out.length; i++) if (out[i].endsWith('\r')) out[i] = out[i].slice(0, -1);
  return out.filter((l) => l !== '');
}

/** GENCODE id <-> symbol. Ids are version-free; `idsBySymbol` keys are upper-cased symbols. */
export interface GencodeTable {
  symbolById: Map<string, string>;
  idsBySymbol: Map<string, string[]>;
}

/** Parses `gencode_v44_id2name.csv`: header-less `ENSG...,SYMBOL` lines (62,754 of them). */
export function parseGencodeIdToName(text: string): GencodeTable {
  const symbolById = new Map<string, string>();
  const idsBySymbol = new Map<string, string[]>();
  for (const line of lines(text)) {
    const comma = line.indexOf(',');
    if (comma < 0) continue;
    const id = stripEnsemblVersion(line.slice(0, comma).trim());
    const symbol = line.slice(comma + 1).trim();
    if (!isEnsemblGeneId(id) || symbol === '') continue;
    if (!symbolById.has(id)) symbolById.set(id, symbol);
    pushTo(idsBySymbol, symbol.toUpperCase(), id);
  }
  return { symbolById, idsBySymbol };
}

/** Current human genes (org.Hs.eg.db): entrez id <-> official symbol <-> Ensembl ids. */
export interface HumanGeneTable {
  symbolByEntrez: Map<string, string>;
  /** Upper-cased official symbol -> entrez ids (18 symbols are shared by two ids). */
  entrezBySymbol: Map<string, string[]>;
  /** Version-free Ensembl id -> entrez ids. */
  entrezByEnsembl: Map<string, string[]>;
  /** Entrez id -> version-free Ensembl ids. */
  ensemblByEntrez: Map<string, string[]>;
}

/**
 * Parses `human_genes_entrez_symbol_ensembl.tsv` (decompressed): a header, then
 * entrez_id, symbol, gene_name, gene_type, chromosome, ensembl_ids (comma-separated) per line.
 */
export function parseHumanGenes(text: string): HumanGeneTable {
  const t: HumanGeneTable = {
    symbolByEntrez: new Map(),
    entrezBySymbol: new Map(),
    entrezByEnsembl: new Map(),
    ensemblByEntrez: new Map(),
  };
  const all = lines(text);
  const header = all[0]?.split('\t') ?? [];
  const col = (name: string, fallback: number) => (header.includes(name) ? header.indexOf(name) : fallback);
  const [cEntrez, cSymbol, cEnsembl] = [col('entrez_id', 0), col('symbol', 1), col('ensembl_ids', 5)];
  for (let i = 1; i < all.length; i++) {
    const p = all[i].split('\t');
    const entrez = p[cEntrez];
    const symbol = p[cSymbol];
    if (!entrez || !symbol) continue;
    t.symbolByEntrez.set(entrez, symbol);
    pushTo(t.entrezBySymbol, symbol.toUpperCase(), entrez);
    for (const raw of (p[cEnsembl] ?? '').split(/[,;|]/)) {
      const id = stripEnsemblVersion(raw.trim());
      if (!isEnsemblGeneId(id)) continue;
      pushTo(t.entrezByEnsembl, id, entrez);
      pushTo(t.ensemblByEntrez, entrez, id);
    }
  }
  return t;
}

/** Former and alternative human symbols: upper-cased alias -> entrez ids (an alias can name several genes). */
export interface AliasTable {
  entrezByAlias: Map<string, string[]>;
}

/** Parses `human_gene_aliases.tsv`: a header, then entrez_id<TAB>alias per line (CRLF or LF). */
export function parseGeneAliases(text: string): AliasTable {
  const entrezByAlias = new Map<string, string[]>();
  const all = lines(text);
  const start = all[0]?.startsWith('entrez') ? 1 : 0;
  for (let i = start; i < all.length; i++) {
    const tab = all[i].indexOf('\t');
    if (tab < 0) continue;
    const alias = all[i].slice(tab + 1).trim();
    if (alias !== '') pushTo(entrezByAlias, alias.toUpperCase(), all[i].slice(0, tab).trim());
  }
  return { entrezByAlias };
}

/** Human <-> mouse ortholog symbols (many-to-many), in table order. Keys are exact symbols. */
export interface OrthologTable {
  mouseByHuman: Map<string, string[]>;
  humanByMouse: Map<string, string[]>;
  /** Human symbols listed in the table, with or without an ortholog (empty mouse column). */
  humanListed: Set<string>;
  mouseListed: Set<string>;
}

/**
 * Parses `ensembl105_human2mouse.csv`: header-less `HUMAN,MOUSE` lines; either side may be empty
 * (no ortholog), and a gene may appear on several lines (one-to-many orthologs).
 */
export function parseHumanMouseOrthologs(text: string): OrthologTable {
  const t: OrthologTable = { mouseByHuman: new Map(), humanByMouse: new Map(), humanListed: new Set(), mouseListed: new Set() };
  for (const line of lines(text)) {
    const comma = line.indexOf(',');
    if (comma < 0) continue;
    const human = line.slice(0, comma).trim();
    const mouse = line.slice(comma + 1).trim();
    if (human !== '') t.humanListed.add(human);
    if (mouse !== '') t.mouseListed.add(mouse);
    if (human !== '' && mouse !== '') {
      pushTo(t.mouseByHuman, human, mouse);
      pushTo(t.humanByMouse, mouse, human);
    }
  }
  return t;
}

/** The reference tables alignment can use; each is optional and adds its route when present. */
export interface GeneTables {
  gencode?: GencodeTable;
  human?: HumanGeneTable;
  aliases?: AliasTable;
  orthologs?: OrthologTable;
}

/** Where the shipped tables live under the app's base URL, and whether each is gzipped. */
export const GENE_TABLE_FILES = {
  gencode: { path: 'data/genes/gencode_v44_id2name.csv', isGzip: false },
  human: { path: 'data/genes/human_genes_entrez_symbol_ensembl.tsv.gz', isGzip: true },
  aliases: { path: 'data/genes/human_gene_aliases.tsv', isGzip: false },
  orthologs: { path: 'data/genes/ensembl105_human2mouse.csv', isGzip: false },
} as const;
