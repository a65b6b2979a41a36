/** A parsed delimited text table: header row and string cells. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/**
 * Parses CSV/TSV text (RFC 4180 quoting: "a, b" and "" escapes). The delimiter is guessed from
 * the first line (tab wins over comma) unless given. Ragged rows are kept as-is; readers check widths.
 */
export function parseCsv(text: string, delimiter?: string): CsvTable {
  // Excel's "CSV UTF-8" starts with a byte-order mark; Node's utf8 decoding keeps it in the first header name.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const sep = delimiter ?? (firstLine.includes('\t') ? '\t' : ',');
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"' && field === '') inQuotes = true;
    else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (!(row.length === 1 && row[0] === '')) out.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  const [header = [], ...rows] = out;
  return { header, rows };
}
