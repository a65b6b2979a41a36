/**
 * Provenance carried by every export (ISSUE-NOTES.md "Provenance in every export"): CSV header
 * comment lines, SVG <metadata>, PNG tEXt chunks and session files all render this one record.
 */

/** What produced an exported view or table. Empty fields are left out when rendered. */
export interface Provenance {
  app: string;
  datasetName?: string;
  datasetHash?: string;
  modelName?: string;
  modelHash?: string;
  method?: string;
  target?: string;
  baseline?: string;
  steps?: number;
  seed?: number;
  backend?: string;
  /** ISO 8601. */
  date: string;
  /** Anything else worth keeping, e.g. the selection size or test used. */
  extra?: Record<string, string | number>;
}

/** key=value pairs in a fixed order, without empty values. */
export function provenanceEntries(p: Provenance): [string, string][] {
  const pairs: [string, string | number | undefined][] = [
    ['app', p.app],
    ['dataset', p.datasetName],
    ['dataset_sha256', p.datasetHash],
    ['model', p.modelName],
    ['model_sha256', p.modelHash],
    ['method', p.method],
    ['target', p.target],
    ['baseline', p.baseline],
    ['steps', p.steps],
    ['seed', p.seed],
    ['backend', p.backend],
    ['date', p.date],
    ...Object.entries(p.extra ?? {}),
  ];
  return pairs.filter((kv): kv is [string, string | number] => kv[1] !== undefined && kv[1] !== '').map(([k, v]) => [k, String(v)]);
}

/** One field of a CSV row: quoted when it holds a comma, quote, newline or leading/trailing space. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: `# title`, one `# key=value` line per provenance entry, the header, then rows. */
export function csvWithProvenance(title: string, p: Provenance, header: string[], rows: (string | number | null | undefined)[][]): string {
  const lines = [
    `# ${title}`,
    ...provenanceEntries(p).map(([k, v]) => `# ${k}=${v.replace(/[\r\n]+/g, ' ')}`),
    header.map(csvField).join(','),
  ];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return lines.join('\n') + '\n';
}
