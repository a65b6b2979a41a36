// User GRN files: SCENIC adjacencies, pySCENIC regulon tables, DoRothEA/decoupler tables and any
// delimited table through a column mapping. Each parser keeps the good rows and reports every bad
// one with its 1-based line number (header = line 1), as parseCollectri / parseTrrust do.

import { parseCollectri, parseTrrust, type Grn, type GrnBadRow, type GrnEdge, type GrnSign } from './grn';

/** The formats a GRN file can be read as; 'table' needs a column mapping from the user. */
export type GrnFormat = 'collectri' | 'trrust' | 'scenic-adjacencies' | 'scenic-regulons' | 'decoupler' | 'table';

/** Which columns (0-based indices into the header) hold what; sign, weight and confidence are optional. */
export interface ColumnMapping {
  regulator: number;
  target: number;
  /** Numbers (sign of the value) or words: activation/+ → +1, repression/- → −1, unknown/empty → unsigned. */
  sign?: number;
  /** A number; when there is no sign column, its sign is the edge's sign (decoupler's `weight`/`mor`). */
  weight?: number;
  confidence?: number;
  /** PubMed ids, split on ';' or ','. */
  pmids?: number;
}

/** The first look at a delimited file: its delimiter, header and a guessed mapping (null if unsure). */
export interface TableHeader {
  delimiter: ',' | '\t' | ';';
  /** 1-based line number of the header. */
  headerLine: number;
  columns: string[];
  guess: ColumnMapping | null;
  /** What the guess means for the sign: read from a column, from the weight, or unsigned. */
  format: GrnFormat;
}

const REGULATOR_NAMES = ['source', 'tf', 'regulator', 'tf_name', 'regulator_symbol', 'from', 'gene1'];
const TARGET_NAMES = ['target', 'target_gene', 'gene', 'target_symbol', 'to', 'gene2'];
const SIGN_NAMES = ['sign', 'regulation', 'mode', 'mode_of_regulation', 'effect', 'direction', 'type'];
const WEIGHT_NAMES = ['weight', 'mor', 'importance', 'score', 'likelihood', 'coef', 'strength'];
const CONFIDENCE_NAMES = ['confidence', 'level', 'evidence'];
const PMID_NAMES = ['pmid', 'pmids', 'reference', 'references', 'pubmed'];

/**
 * Reads a GRN file of any supported format: detects the format from its header (see
 * `detectGrnFormat`), or uses `mapping` for a plain table. Throws a sentence when the format cannot
 * be told and no mapping is given.
 */
export function parseGrnFile(text: string, name: string, mapping?: ColumnMapping): Grn {
  const detected = detectGrnFormat(text);
  if (mapping) return parseMappedTable(text, mapping, name);
  switch (detected.format) {
    case 'collectri':
      return parseCollectri(text, name);
    case 'trrust':
      return parseTrrust(text, name);
    case 'scenic-regulons':
      return parseScenicRegulons(text, name);
    default:
      if (!detected.guess) {
        throw new Error(
          `Could not tell which columns of ${name} hold the regulator and the target (header: ${detected.columns.join(', ') || 'none'}). ` +
            'Choose them in the column mapping.',
        );
      }
      return parseMappedTable(text, detected.guess, name, sourceLabel(detected.format));
  }
}

/** Looks at the first lines: delimiter, header and which known format (or none) they match. */
export function detectGrnFormat(text: string): TableHeader {
  const lines = splitLines(text);
  const at = lines.findIndex((l) => l.trim() !== '');
  if (at < 0) throw new Error('The GRN file is empty: it needs a header line and one regulator → target per line.');
  const first = lines[at];
  const delimiter = pickDelimiter(first);
  const columns = (splitDelimited(first, delimiter) ?? [first]).map((c) => c.trim());
  const lower = columns.map((c) => c.toLowerCase());
  const base: Omit<TableHeader, 'guess' | 'format'> = { delimiter, headerLine: at + 1, columns };

  // pySCENIC's ctx table has two or three header rows; its TargetGenes column is the tell.
  if (lines.slice(at, at + 3).some((l) => /(^|,)TargetGenes(,|$)/.test(l))) {
    return { ...base, guess: null, format: 'scenic-regulons' };
  }
  if (delimiter === ',' && lower.join(',') === 'source,target,weight') {
    return { ...base, guess: { regulator: 0, target: 1, weight: 2 }, format: 'collectri' };
  }
  if (delimiter === '\t' && columns.length === 4) {
    const isTrrustHeader = lower.join(',') === 'tf,target,regulation,reference';
    const isTrrustRow = ['activation', 'repression', 'unknown'].includes(lower[2]);
    if (isTrrustHeader || isTrrustRow) return { ...base, guess: { regulator: 0, target: 1, sign: 2, pmids: 3 }, format: 'trrust' };
  }
  const find = (names: string[]) => {
    const i = lower.findIndex((c) => names.includes(c));
    return i < 0 ? undefined : i;
  };
  const regulator = find(REGULATOR_NAMES);
  const target = find(TARGET_NAMES.filter((n) => n !== 'gene' || regulator !== lower.indexOf('gene')));
  if (regulator === undefined || target === undefined || regulator === target) {
    return { ...base, guess: null, format: 'table' };
  }
  const guess: ColumnMapping = { regulator, target };
  const sign = find(SIGN_NAMES);
  const weight = find(WEIGHT_NAMES);
  const confidence = find(CONFIDENCE_NAMES);
  const pmids = find(PMID_NAMES);
  if (sign !== undefined) guess.sign = sign;
  if (weight !== undefined) guess.weight = weight;
  if (confidence !== undefined) guess.confidence = confidence;
  if (pmids !== undefined) guess.pmids = pmids;
  let format: GrnFormat = 'table';
  if (lower[weight ?? -1] === 'importance' && lower[regulator] === 'tf') format = 'scenic-adjacencies';
  else if (['weight', 'mor'].includes(lower[weight ?? -1]) && ['source', 'tf'].includes(lower[regulator])) format = 'decoupler';
  return { ...base, guess, format };
}

/** A sign from a cell of a sign column: numbers by their sign, words by meaning; null when unreadable. */
export function readSign(text: string): GrnSign | null {
  const t = text.trim().toLowerCase();
  if (t === '' || ['unknown', 'unsigned', 'na', 'nan', 'none', '?', '0', 'dual', 'unk'].includes(t)) return 0;
  if (
    [
      '+',
      '+1',
      '1',
      'activation',
      'activating',
      'activates',
      'activator',
      'act',
      'up',
      'positive',
      'pos',
      'stimulation',
      'induction',
    ].includes(t)
  )
    return 1;
  if (
    ['-', '-1', 'repression', 'repressing', 'represses', 'repressor', 'rep', 'inhibition', 'inhibits', 'down', 'negative', 'neg'].includes(
      t,
    )
  )
    return -1;
  const value = Number(t);
  if (t !== '' && Number.isFinite(value)) return value > 0 ? 1 : value < 0 ? -1 : 0;
  return null;
}

/**
 * Reads a delimited table with a header through `mapping` (one edge per good row). Without a sign
 * column the weight's sign is used (decoupler's `mor`), except for SCENIC importances, which are
 * unsigned strengths. Bad rows (too few fields, empty names, unreadable numbers) are reported.
 */
export function parseMappedTable(text: string, mapping: ColumnMapping, name: string, source = 'user table'): Grn {
  const lines = splitLines(text);
  const at = lines.findIndex((l) => l.trim() !== '');
  if (at < 0) throw new Error(`${name} is empty: it needs a header line and one regulator → target per line.`);
  const delimiter = pickDelimiter(lines[at]);
  const header = splitDelimited(lines[at], delimiter) ?? [];
  const used = [mapping.regulator, mapping.target, mapping.sign, mapping.weight, mapping.confidence, mapping.pmids].filter(
    (i): i is number => i !== undefined,
  );
  for (const i of used) {
    if (!Number.isInteger(i) || i < 0 || i >= header.length) {
      throw new Error(`The column mapping names column ${i + 1}, but ${name} has ${header.length} columns in its header.`);
    }
  }
  if (mapping.regulator === mapping.target) throw new Error('The regulator and the target must be two different columns.');
  const isUnsignedWeight = source === 'SCENIC' && mapping.sign === undefined;
  const need = Math.max(...used) + 1;
  const edges: GrnEdge[] = [];
  const badRows: GrnBadRow[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitDelimited(raw, delimiter);
    if (fields === null) {
      badRows.push({ line, reason: 'A quoted field is not closed.' });
      continue;
    }
    if (fields.length < need) {
      badRows.push({ line, reason: `Expected at least ${need} ${delimiterName(delimiter)}-separated columns but found ${fields.length}.` });
      continue;
    }
    const regulator = fields[mapping.regulator].trim();
    const target = fields[mapping.target].trim();
    if (regulator === '') {
      badRows.push({ line, reason: `The regulator (column "${header[mapping.regulator]}") is empty.` });
      continue;
    }
    if (target === '') {
      badRows.push({ line, reason: `The target (column "${header[mapping.target]}") is empty.` });
      continue;
    }
    let weight: number | null = null;
    if (mapping.weight !== undefined) {
      const w = fields[mapping.weight].trim();
      weight = Number(w);
      if (w === '' || !Number.isFinite(weight)) {
        badRows.push({ line, reason: `The weight "${preview(w)}" (column "${header[mapping.weight]}") is not a number.` });
        continue;
      }
    }
    let sign: GrnSign;
    if (mapping.sign !== undefined) {
      const s = readSign(fields[mapping.sign]);
      if (s === null) {
        badRows.push({
          line,
          reason: `The sign "${preview(fields[mapping.sign].trim())}" is not a number or one of activation, repression, unknown (or +, -).`,
        });
        continue;
      }
      sign = s;
    } else if (weight !== null && !isUnsignedWeight) {
      sign = weight > 0 ? 1 : weight < 0 ? -1 : 0;
    } else {
      sign = 0;
    }
    // The drawn weight is signed like the edge; an unsigned edge keeps its magnitude.
    const magnitude = weight === null ? 1 : Math.abs(weight);
    const edge: GrnEdge = { regulator, target, sign, weight: sign === 0 ? magnitude : sign * magnitude, source };
    if (mapping.confidence !== undefined) edge.confidence = fields[mapping.confidence].trim();
    if (mapping.pmids !== undefined) {
      edge.pmids = fields[mapping.pmids]
        .split(/[;,|]/)
        .map((p) => p.trim())
        .filter((p) => p !== '');
    }
    edges.push(edge);
  }
  if (edges.length === 0 && badRows.length === 0) {
    throw new Error(`${name} has a header but no rows.`);
  }
  return { edges, name, badRows };
}

/**
 * pySCENIC `ctx` output (regulons CSV): two or three header rows, then one row per TF x motif with
 * `TargetGenes` = "[('GENE', weight), ...]". One edge per target; the sign comes from the Context
 * column (`activating` → +1, `repressing` → −1), else a "(+)"/"(-)" TF name, else unsigned.
 */
export function parseScenicRegulons(text: string, name: string): Grn {
  const lines = splitLines(text);
  const headerRows: string[][] = [];
  let at = 0;
  // Header rows: everything up to and including the row whose first field is "TF" (or the TargetGenes row).
  for (; at < lines.length && headerRows.length < 3; at++) {
    if (lines[at].trim() === '') continue;
    const fields = splitDelimited(lines[at], ',') ?? [];
    headerRows.push(fields.map((f) => f.trim()));
    const isTfRow = fields[0]?.trim() === 'TF';
    if (isTfRow) {
      at++;
      break;
    }
  }
  const names: string[] = [];
  for (const row of headerRows) row.forEach((v, i) => (names[i] = v !== '' ? v : (names[i] ?? '')));
  const targetsAt = headerRows.map((row) => row.indexOf('TargetGenes')).find((i) => i >= 0) ?? -1;
  const contextAt = headerRows.map((row) => row.indexOf('Context')).find((i) => i >= 0) ?? -1;
  if (targetsAt < 0) {
    throw new Error(`${name} does not look like a pySCENIC regulon table: no header row names a TargetGenes column.`);
  }
  const edges: GrnEdge[] = [];
  const badRows: GrnBadRow[] = [];
  for (let i = at; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitDelimited(raw, ',');
    if (fields === null) {
      badRows.push({ line, reason: 'A quoted field is not closed.' });
      continue;
    }
    if (fields.length <= targetsAt) {
      badRows.push({ line, reason: `Expected a TargetGenes value in column ${targetsAt + 1} but the row has ${fields.length} columns.` });
      continue;
    }
    const tfRaw = fields[0].trim();
    const tf = tfRaw.replace(/\s*\(([+-])\)$/, '');
    if (tf === '') {
      badRows.push({ line, reason: 'The TF name (first column) is empty.' });
      continue;
    }
    const context = contextAt >= 0 ? (fields[contextAt] ?? '').toLowerCase() : '';
    const sign: GrnSign = context.includes('repressing')
      ? -1
      : context.includes('activating')
        ? 1
        : tfRaw.endsWith('(-)')
          ? -1
          : tfRaw.endsWith('(+)')
            ? 1
            : 0;
    const pairs = readTargetList(fields[targetsAt]);
    if (pairs === null) {
      badRows.push({ line, reason: `TargetGenes "${preview(fields[targetsAt])}" is not a list like [('GENE', 1.5), ...].` });
      continue;
    }
    for (const [target, weight] of pairs) {
      edges.push({ regulator: tf, target, sign, weight: sign === 0 ? weight : sign * Math.abs(weight), source: 'SCENIC' });
    }
  }
  return { edges, name, badRows };
}

/** "[('A', 1.0), ('B', 0.5)]" → [['A', 1], ['B', 0.5]]; null when it is not such a list. */
function readTargetList(text: string): [string, number][] | null {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  const body = t.slice(1, -1);
  const out: [string, number][] = [];
  const re = /\(\s*['"]([^'"]+)['"]\s*,\s*([^)\s,]+)\s*\)/g;
  for (const m of body.matchAll(re)) {
    const w = Number(m[2]);
    if (!Number.isFinite(w)) return null;
    out.push([m[1].trim(), w]);
  }
  // Anything left besides separators means a malformed list, not a list with fewer targets.
  return body.replace(re, '').replace(/[\s,]/g, '') === '' ? out : null;
}

function sourceLabel(format: GrnFormat): string {
  return format === 'scenic-adjacencies' ? 'SCENIC' : format === 'decoupler' ? 'decoupler table' : 'user table';
}

function pickDelimiter(line: string): ',' | '\t' | ';' {
  const count = (ch: string) => line.split(ch).length - 1;
  const tabs = count('\t');
  const commas = count(',');
  const semis = count(';');
  if (tabs > 0 && tabs >= commas) return '\t';
  if (commas === 0 && semis > 0) return ';';
  return ',';
}

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : 'semicolon';
}

function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\n|\r/);
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Splits one delimited record with RFC 4180 quotes (no embedded newlines); null when a quote is left open. */
export function splitDelimited(line: string, delimiter: string): string[] | null {
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
        } else isQuoted = false;
      } else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      isQuoted = true;
      field = '';
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  if (isQuoted) return null;
  fields.push(field);
  return fields;
}
