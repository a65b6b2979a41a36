import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectGrnFormat, parseGrnFile, parseMappedTable, readSign } from '../../../src/core/graph/grn_formats';

const fixture = (name: string) => readFileSync(`test/fixtures/grn/${name}`, 'utf8');
const brief = (edges: { regulator: string; target: string; sign: number; weight: number }[]) =>
  edges.map((e) => `${e.regulator}>${e.target} ${e.sign} ${e.weight}`);

describe('SCENIC adjacencies (TF, target, importance)', () => {
  it('loads the good rows unsigned with the importance as weight, and reports lines 4, 6 and 7', () => {
    const text = fixture('scenic_adjacencies.tsv');
    expect(detectGrnFormat(text).format).toBe('scenic-adjacencies');
    const grn = parseGrnFile(text, 'adj.tsv');
    expect(brief(grn.edges)).toEqual(['SPI1>CD74 0 12.5', 'SPI1>LYZ 0 8.25', 'STAT1>GBP1 0 3.5', 'PAX5>MS4A1 0 2']);
    expect(grn.edges.every((e) => e.source === 'SCENIC')).toBe(true);
    expect(grn.badRows.map((r) => r.line)).toEqual([4, 6, 7]);
    expect(grn.badRows[0].reason).toBe('Expected at least 3 tab-separated columns but found 2.');
    expect(grn.badRows[1].reason).toBe('The regulator (column "TF") is empty.');
    expect(grn.badRows[2].reason).toBe('The weight "high" (column "importance") is not a number.');
  });
});

describe('pySCENIC regulons (ctx table)', () => {
  it('expands TargetGenes into one edge per target, signed by Context or the (+) name, and reports line 7', () => {
    const text = fixture('scenic_regulons.csv');
    expect(detectGrnFormat(text).format).toBe('scenic-regulons');
    const grn = parseGrnFile(text, 'reg.csv');
    expect(brief(grn.edges)).toEqual(['SPI1>CD74 1 1.5', 'SPI1>LYZ 1 0.75', 'STAT1>CD3E -1 -2', 'PAX5>MS4A1 1 1.25', 'PAX5>CD79A 1 0.5']);
    expect(grn.badRows).toEqual([{ line: 7, reason: `TargetGenes "CD74 and LYZ" is not a list like [('GENE', 1.5), ...].` }]);
  });
});

describe('DoRothEA / decoupler tables', () => {
  it('reads tf, confidence, target, mor: sign from mor, confidence kept, lines 5 and 6 reported', () => {
    const text = fixture('dorothea.csv');
    expect(detectGrnFormat(text)).toMatchObject({ format: 'decoupler', guess: { regulator: 0, target: 2, weight: 3, confidence: 1 } });
    const grn = parseGrnFile(text, 'dorothea.csv');
    expect(brief(grn.edges)).toEqual(['STAT1>IRF1 1 1', 'STAT1>GBP1 1 1', 'NFKB1>NFKBIA -1 -1', 'RELA>TNF 1 0.5']);
    expect(grn.edges.map((e) => e.confidence)).toEqual(['A', 'B', 'A', 'E']);
    expect(grn.badRows.map((r) => r.line)).toEqual([5, 6]);
    expect(grn.badRows[0].reason).toBe('The weight "?" (column "mor") is not a number.');
    expect(grn.badRows[1].reason).toBe('Expected at least 4 comma-separated columns but found 2.');
  });

  it('reads source, target, weight as TSV and reports the empty target on line 3', () => {
    const grn = parseGrnFile(fixture('decoupler.tsv'), 'net.tsv');
    expect(brief(grn.edges)).toEqual(['SPI1>CD14 1 0.8', 'MYC>NPM1 -1 -0.4']);
    expect(grn.badRows).toEqual([{ line: 3, reason: 'The target (column "target") is empty.' }]);
  });
});

describe('any table through a column mapping', () => {
  const text = fixture('custom_mapping.csv');
  it('cannot guess the columns, and says so in a sentence', () => {
    const header = detectGrnFormat(text);
    expect(header).toMatchObject({
      format: 'table',
      guess: null,
      delimiter: ',',
      columns: ['Gene A', 'Gene B', 'Effect', 'Score', 'Note'],
    });
    expect(() => parseGrnFile(text, 'custom.csv')).toThrow(
      'Could not tell which columns of custom.csv hold the regulator and the target (header: Gene A, Gene B, Effect, Score, Note). Choose them in the column mapping.',
    );
  });

  it('reads the mapped columns: sign words, quoted fields with commas, and lines 4 and 5 reported', () => {
    const grn = parseGrnFile(text, 'custom.csv', { regulator: 0, target: 1, sign: 2, weight: 3 });
    expect(brief(grn.edges)).toEqual(['GATA1>KLF1 1 2', 'KLF1>HBB 1 1.5', 'SPI1>CEBPA 1 0.25']);
    expect(grn.badRows.map((r) => r.line)).toEqual([4, 5]);
    expect(grn.badRows[0].reason).toContain('The sign "maybe" is not a number');
    expect(grn.badRows[1].reason).toBe('A quoted field is not closed.');
  });

  it('rejects a mapping outside the header or with one column for both ends', () => {
    expect(() => parseMappedTable(text, { regulator: 0, target: 9 }, 'custom.csv')).toThrow(
      'The column mapping names column 10, but custom.csv has 5 columns in its header.',
    );
    expect(() => parseMappedTable(text, { regulator: 1, target: 1 }, 'custom.csv')).toThrow('two different columns');
  });

  it('reads sign words and numbers', () => {
    expect(['activation', '+', '2.5', 'Repression', '-', '-0.1', 'Unknown', '', 'maybe'].map(readSign)).toEqual([
      1,
      1,
      1,
      -1,
      -1,
      -1,
      0,
      0,
      null,
    ]);
  });
});

describe('the shipped formats through parseGrnFile', () => {
  it('detects CollecTRI and TRRUST and hands them to their own parsers', () => {
    const collectri = '"source","target","weight"\nSTAT1,IRF1,1\nNFKB1,TNF,-1\n';
    expect(detectGrnFormat(collectri).format).toBe('collectri');
    expect(brief(parseGrnFile(collectri, 'c').edges)).toEqual(['STAT1>IRF1 1 1', 'NFKB1>TNF -1 -1']);
    const trrust = 'TF\tTarget\tRegulation\tReference\nSTAT1\tIRF1\tUnknown\t1;2\n';
    expect(detectGrnFormat(trrust).format).toBe('trrust');
    expect(parseGrnFile(trrust, 't').edges[0]).toMatchObject({ sign: 0, pmids: ['1', '2'], source: 'TRRUST' });
  });

  it('says an empty file is empty', () => {
    expect(() => detectGrnFormat('\n\n')).toThrow('The GRN file is empty');
  });
});
