// Gene-regulation networks (regulator -> target) read from CollecTRI and TRRUST text,
// plus a case-insensitive adjacency index. Pure TypeScript: runs in Node and in workers.

/** Mode of regulation: +1 activation, -1 repression, 0 unsigned (TRRUST `Unknown`) or contradictory. */
export type GrnSign = 1 | -1 | 0;

/** One piece of evidence that `regulator` regulates `target`, exactly as one source row gave it. */
export interface GrnEdge {
  /** Regulator (usually a TF) symbol, spelled as in the source file. */
  regulator: string;
  /** Target gene symbol, spelled as in the source file. */
  target: string;
  sign: GrnSign;
  /** Signed strength as the source gives it: CollecTRI's weight (±1); TRRUST has none, so it is the sign. */
  weight: number;
  source: 'CollecTRI' | 'TRRUST' | string;
  /** PubMed ids backing this row (TRRUST), in file order. */
  pmids?: string[];
  /** Confidence level as the source gives it (DoRothEA's A-E), when it has one. */
  confidence?: string;
}

/** A row the parser skipped: its 1-based line number in the file (header = line 1) and why, as a sentence. */
export interface GrnBadRow {
  line: number;
  reason: string;
}

/** A parsed network: one edge per good row, in file order, plus every row that was skipped. */
export interface Grn {
  edges: GrnEdge[];
  name: string;
  badRows: GrnBadRow[];
}

/** Adjacency of a Grn keyed by upper-case symbol (see `geneKey`); edges keep their original spelling. */
export interface GrnIndex {
  grn: Grn;
  /** geneKey(regulator) -> edges it is the regulator of, in file order. */
  outgoing: Map<string, GrnEdge[]>;
  /** geneKey(target) -> edges it is the target of, in file order. */
  incoming: Map<string, GrnEdge[]>;
  /** geneKey -> keys of the other genes it regulates or is regulated by (self-regulation excluded). */
  partners: Map<string, Set<string>>;
  /** geneKey -> the symbol as first spelled in the file, for display. */
  symbols: Map<string, string>;
}

/** The case-insensitive key a gene symbol is matched by: trimmed and upper-cased ("Tp53 " -> "TP53"). */
export function geneKey(symbol: string): string {
  return symbol.trim().toUpperCase();
}

/** Parses CollecTRI's CSV export (header "source","target","weight"; weight ±1); bad rows are skipped and reported. */
export function parseCollectri(text: string, name = 'CollecTRI'): Grn {
  const lines = splitLines(text);
  const headerAt = firstContentLine(lines);
  const expected = '"source","target","weight"';
  if (headerAt < 0) {
    throw new Error(`The CollecTRI file is empty: expected a CSV header ${expected}.`);
  }
  const header = splitCsvLine(lines[headerAt]);
  const columns = header?.map((field) => field.trim().toLowerCase()) ?? [];
  // Locate by name rather than position so exports with extra columns (e.g. PMIDs) still load.
  const sourceAt = columns.indexOf('source');
  const targetAt = columns.indexOf('target');
  const weightAt = columns.indexOf('weight');
  if (sourceAt < 0 || targetAt < 0 || weightAt < 0) {
    throw new Error(
      `This does not look like a CollecTRI file: expected a CSV header with columns ${expected}, ` +
        `but the first line is "${preview(lines[headerAt])}".`,
    );
  }

  const edges: GrnEdge[] = [];
  const badRows: GrnBadRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitCsvLine(raw);
    if (fields === null) {
      badRows.push({ line, reason: 'A quoted field is not closed.' });
      continue;
    }
    if (fields.length !== columns.length) {
      badRows.push({
        line,
        reason: `Expected ${columns.length} comma-separated columns but found ${fields.length}.`,
      });
      continue;
    }
    const regulator = fields[sourceAt].trim();
    const target = fields[targetAt].trim();
    const weightText = fields[weightAt].trim();
    const weight = Number(weightText);
    if (regulator === '') {
      badRows.push({ line, reason: 'The source (regulator) name is empty.' });
    } else if (target === '') {
      badRows.push({ line, reason: 'The target name is empty.' });
    } else if (weightText === '' || !Number.isFinite(weight)) {
      badRows.push({ line, reason: `The weight "${preview(weightText)}" is not a number.` });
    } else {
      edges.push({ regulator, target, sign: signOf(weight), weight, source: 'CollecTRI' });
    }
  }
  return { edges, name, badRows };
}

const TRRUST_COLUMNS = ['tf', 'target', 'regulation', 'reference'];
const TRRUST_SIGNS: Record<string, GrnSign> = { activation: 1, repression: -1, unknown: 0 };

/**
 * Parses TRRUST v2 TSV (TF, Target, Regulation, Reference = PMIDs joined by ';'), with or without its header.
 * One edge per row: `Unknown` is sign 0, and repeated or contradictory pairs all stay, each with its PMIDs.
 */
export function parseTrrust(text: string, name = 'TRRUST'): Grn {
  const lines = splitLines(text);
  const headerAt = firstContentLine(lines);
  const expected = 'TF, Target, Regulation, Reference';
  if (headerAt < 0) {
    throw new Error(`The TRRUST file is empty: expected a tab-separated header ${expected}.`);
  }
  const first = lines[headerAt].split('\t').map((field) => field.trim());
  const isHeader = first.length === 4 && first.every((field, k) => field.toLowerCase() === TRRUST_COLUMNS[k]);
  // grnpedia's own download (trrust_rawdata.human.tsv) has no header: accept it when row 1 is data.
  const isHeaderless = !isHeader && first.length === 4 && first[2].toLowerCase() in TRRUST_SIGNS;
  if (!isHeader && !isHeaderless) {
    throw new Error(
      `This does not look like a TRRUST file: expected 4 tab-separated columns ${expected} ` +
        `(with that header or without one), but the first line is "${preview(lines[headerAt])}".`,
    );
  }

  const edges: GrnEdge[] = [];
  const badRows: GrnBadRow[] = [];
  for (let i = isHeader ? headerAt + 1 : headerAt; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = raw.split('\t');
    if (fields.length !== 4) {
      badRows.push({
        line,
        reason: `Expected 4 tab-separated columns (${expected}) but found ${fields.length}.`,
      });
      continue;
    }
    const regulator = fields[0].trim();
    const target = fields[1].trim();
    const regulation = fields[2].trim();
    const sign = TRRUST_SIGNS[regulation.toLowerCase()];
    if (regulator === '') {
      badRows.push({ line, reason: 'The TF (regulator) name is empty.' });
    } else if (target === '') {
      badRows.push({ line, reason: 'The target name is empty.' });
    } else if (sign === undefined) {
      badRows.push({
        line,
        reason: `The regulation "${preview(regulation)}" is not Activation, Repression or Unknown.`,
      });
    } else {
      const pmids = fields[3]
        .split(';')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      edges.push({ regulator, target, sign, weight: sign, source: 'TRRUST', pmids });
    }
  }
  return { edges, name, badRows };
}

/** Builds outgoing/incoming adjacency and partner sets keyed by `geneKey`; O(edges) time and memory. */
export function indexGrn(grn: Grn): GrnIndex {
  const outgoing = new Map<string, GrnEdge[]>();
  const incoming = new Map<string, GrnEdge[]>();
  const partners = new Map<string, Set<string>>();
  const symbols = new Map<string, string>();
  for (const edge of grn.edges) {
    const regulatorKey = geneKey(edge.regulator);
    const targetKey = geneKey(edge.target);
    if (!symbols.has(regulatorKey)) symbols.set(regulatorKey, edge.regulator.trim());
    if (!symbols.has(targetKey)) symbols.set(targetKey, edge.target.trim());
    pushTo(outgoing, regulatorKey, edge);
    pushTo(incoming, targetKey, edge);
    if (regulatorKey !== targetKey) {
      addPartner(partners, regulatorKey, targetKey);
      addPartner(partners, targetKey, regulatorKey);
    }
  }
  return { grn, outgoing, incoming, partners, symbols };
}

function pushTo(map: Map<string, GrnEdge[]>, key: string, edge: GrnEdge): void {
  const list = map.get(key);
  if (list) list.push(edge);
  else map.set(key, [edge]);
}

function addPartner(map: Map<string, Set<string>>, key: string, partner: string): void {
  const set = map.get(key);
  if (set) set.add(partner);
  else map.set(key, new Set([partner]));
}

function signOf(value: number): GrnSign {
  return value > 0 ? 1 : value < 0 ? -1 : 0;
}

function splitLines(text: string): string[] {
  // A UTF-8 BOM would otherwise glue itself to the first header name.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // TRRUST ships with CRLF endings; a stray CR would otherwise end up in the PMID list.
  return body.split(/\r\n|\n|\r/);
}

function firstContentLine(lines: string[]): number {
  return lines.findIndex((line) => line.trim() !== '');
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Splits one RFC 4180 CSV record (no embedded newlines); returns null when a quote is left open. */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (isQuoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          isQuoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      isQuoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  if (isQuoted) return null;
  fields.push(field);
  return fields;
}
