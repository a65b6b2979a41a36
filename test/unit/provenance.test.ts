import { describe, expect, it } from 'vitest';
import { csvField, csvWithProvenance, provenanceEntries } from '../../src/core/provenance.ts';

describe('provenance', () => {
  const p = { app: 'glasswing 0.1.0', datasetName: 'pbmc3k', datasetHash: 'ab', steps: 50, date: '2026-01-01T00:00:00Z', method: '' };
  it('keeps a fixed order and drops empty fields', () => {
    expect(provenanceEntries(p)).toEqual([
      ['app', 'glasswing 0.1.0'],
      ['dataset', 'pbmc3k'],
      ['dataset_sha256', 'ab'],
      ['steps', '50'],
      ['date', '2026-01-01T00:00:00Z'],
    ]);
  });
  it('quotes fields that would break a CSV row', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
    expect(csvField(1.5)).toBe('1.5');
  });
  it('writes comment lines, the header and rows', () => {
    const csv = csvWithProvenance(
      'Glasswing DE',
      p,
      ['gene', 'logfc'],
      [
        ['CD3E', 2],
        ['HLA,X', -1],
      ],
    );
    expect(csv.split('\n')).toEqual([
      '# Glasswing DE',
      '# app=glasswing 0.1.0',
      '# dataset=pbmc3k',
      '# dataset_sha256=ab',
      '# steps=50',
      '# date=2026-01-01T00:00:00Z',
      'gene,logfc',
      'CD3E,2',
      '"HLA,X",-1',
      '',
    ]);
  });
});
