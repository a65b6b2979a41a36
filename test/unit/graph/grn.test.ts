import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { geneKey, indexGrn, parseCollectri, parseTrrust } from '../../../src/core/graph/grn';

const readShipped = (file: string): string => readFileSync(new URL(`../../../public/data/grn/${file}`, import.meta.url), 'utf8');

describe('parseCollectri on the shipped file', () => {
  const text = readShipped('collectri_human.csv');
  const grn = parseCollectri(text);

  it('loads every row as one signed edge', () => {
    expect(grn.name).toBe('CollecTRI');
    expect(grn.badRows).toEqual([]);
    expect(grn.edges.length).toBe(43178);
    // Independent count: data lines ending in ,1 or ,-1.
    const lines = text.split('\n');
    expect(lines.filter((line) => /,1$/.test(line)).length).toBe(37360);
    expect(lines.filter((line) => /,-1$/.test(line)).length).toBe(5818);
    expect(grn.edges.filter((edge) => edge.sign === 1).length).toBe(37360);
    expect(grn.edges.filter((edge) => edge.sign === -1).length).toBe(5818);
    expect(grn.edges.every((edge) => edge.weight === edge.sign)).toBe(true);
  });

  it('keeps the file order and spelling of the first and last rows', () => {
    expect(grn.edges[0]).toEqual({
      regulator: 'MYC',
      target: 'TERT',
      sign: 1,
      weight: 1,
      source: 'CollecTRI',
    });
    expect(grn.edges[grn.edges.length - 1].target).toBe('hsa-miR-144');
  });

  it('indexes 1,186 regulators and 6,692 targets', () => {
    const index = indexGrn(grn);
    expect(index.outgoing.size).toBe(1186);
    expect(index.incoming.size).toBe(6692);
    expect(index.outgoing.get('MYC')!.some((edge) => edge.target === 'TERT')).toBe(true);
  });
});

describe('parseTrrust on the shipped file', () => {
  const text = readShipped('trrust_human.tsv');
  const grn = parseTrrust(text);
  const dataLines = text.split(/\r?\n/).slice(1);
  const countRegulation = (word: string): number =>
    dataLines.filter((line) => new RegExp(`^[^\\t]+\\t[^\\t]+\\t${word}\\t`).test(line)).length;

  it('loads one edge per row (9,396 rows; the file has CRLF endings and no final newline)', () => {
    expect(dataLines.length).toBe(9396);
    expect(grn.badRows).toEqual([]);
    expect(grn.edges.length).toBe(9396);
    expect(grn.edges.every((edge) => edge.source === 'TRRUST')).toBe(true);
    // A stray CR from CRLF would end up in the last PMID; the one odd id is TRRUST's own typo.
    const oddIds = grn.edges.flatMap((edge) => edge.pmids!.filter((id) => !/^\d+$/.test(id)));
    expect(oddIds).toEqual(['1724219e']);
    expect(grn.edges[8552]).toEqual({
      regulator: 'TP53',
      target: 'FLT1',
      sign: 0,
      weight: 0,
      source: 'TRRUST',
      pmids: ['1724219e'],
    });
  });

  it('reads Unknown as unsigned, not as activation', () => {
    const unknown = countRegulation('Unknown');
    expect(unknown).toBe(4325);
    expect(grn.edges.filter((edge) => edge.sign === 0).length).toBe(unknown);
    expect(grn.edges.filter((edge) => edge.sign === 1).length).toBe(countRegulation('Activation'));
    expect(grn.edges.filter((edge) => edge.sign === -1).length).toBe(countRegulation('Repression'));
    expect(countRegulation('Activation')).toBe(3149);
    expect(countRegulation('Repression')).toBe(1922);
  });

  it('keeps every row of a pair that is both activated and repressed, each with its PMIDs', () => {
    const sp1ToCdkn1a = grn.edges.filter((edge) => edge.regulator === 'SP1' && edge.target === 'CDKN1A');
    expect(sp1ToCdkn1a.map((edge) => [edge.sign, edge.weight, edge.pmids])).toEqual([
      [1, 1, ['10878024', '12434298', '12665570', '14527674', '15033443', '15041706', '15961274', '17026958']],
      [-1, -1, ['12773551', '18210215']],
      [0, 0, ['10506225', '10649433', '14529564', '17885207', '18270969', '21325288', '21858218']],
    ]);
  });

  it('keeps 853 repeated pairs, 207 of them both activation and repression', () => {
    const rowsByPair = new Map<string, Set<number>>();
    const countByPair = new Map<string, number>();
    for (const edge of grn.edges) {
      const pair = `${edge.regulator}\t${edge.target}`;
      countByPair.set(pair, (countByPair.get(pair) ?? 0) + 1);
      if (!rowsByPair.has(pair)) rowsByPair.set(pair, new Set());
      rowsByPair.get(pair)!.add(edge.sign);
    }
    expect(countByPair.size).toBe(8427);
    expect([...countByPair.values()].filter((n) => n > 1).length).toBe(853);
    expect([...rowsByPair.values()].filter((signs) => signs.has(1) && signs.has(-1)).length).toBe(207);
  });
});

describe('bad rows', () => {
  it('skips and reports CollecTRI rows with their 1-based line numbers', () => {
    const text = [
      '"source","target","weight"', // 1
      '"MYC","TERT",1', // 2
      '"SPI1","BGLAP"', // 3: too few columns
      '"","JUN",1', // 4: empty regulator
      '', // 5: blank lines are not rows
      '"SMAD3","",-1', // 6: empty target
      '"SMAD4","JUN",strong', // 7: not a number
      '"A","B",1,2', // 8: too many columns
      '"TP53,"MDM2",1', // 9: unclosed quote
      '"RELA","NFKBIA",-1', // 10
      '"X","Y",', // 11: empty weight
      'TP53,"MDM2 ",1', // 12: unquoted and padded names are fine
    ].join('\n');
    const grn = parseCollectri(text, 'mine');
    expect(grn.name).toBe('mine');
    expect(grn.edges.map((edge) => [edge.regulator, edge.target, edge.sign])).toEqual([
      ['MYC', 'TERT', 1],
      ['RELA', 'NFKBIA', -1],
      ['TP53', 'MDM2', 1],
    ]);
    expect(grn.badRows).toEqual([
      { line: 3, reason: 'Expected 3 comma-separated columns but found 2.' },
      { line: 4, reason: 'The source (regulator) name is empty.' },
      { line: 6, reason: 'The target name is empty.' },
      { line: 7, reason: 'The weight "strong" is not a number.' },
      { line: 8, reason: 'Expected 3 comma-separated columns but found 4.' },
      { line: 9, reason: 'A quoted field is not closed.' },
      { line: 11, reason: 'The weight "" is not a number.' },
    ]);
  });

  it('skips and reports TRRUST rows with their 1-based line numbers', () => {
    const text = [
      'TF\tTarget\tRegulation\tReference', // 1
      'AATF\tBAX\tRepression\t22909821', // 2
      'AATF\tCDKN1A\tUnknown', // 3: 3 columns
      '\tKLK3\tUnknown\t23146908', // 4: empty TF
      'AATF\tMYC\tInhibition\t20549547', // 5: unknown regulation word
      'ABL1\t \tActivation\t1', // 6: blank target
      'ABL1\tBAX\tactivation\t11753601; 2', // 7: case and spaces tolerated
    ].join('\r\n');
    const grn = parseTrrust(text);
    expect(grn.edges).toEqual([
      {
        regulator: 'AATF',
        target: 'BAX',
        sign: -1,
        weight: -1,
        source: 'TRRUST',
        pmids: ['22909821'],
      },
      {
        regulator: 'ABL1',
        target: 'BAX',
        sign: 1,
        weight: 1,
        source: 'TRRUST',
        pmids: ['11753601', '2'],
      },
    ]);
    expect(grn.badRows).toEqual([
      {
        line: 3,
        reason: 'Expected 4 tab-separated columns (TF, Target, Regulation, Reference) but found 3.',
      },
      { line: 4, reason: 'The TF (regulator) name is empty.' },
      { line: 5, reason: 'The regulation "Inhibition" is not Activation, Repression or Unknown.' },
      { line: 6, reason: 'The target name is empty.' },
    ]);
  });

  it("reads grnpedia's header-less TRRUST download from line 1", () => {
    const grn = parseTrrust('AATF\tBAX\tRepression\t22909821\nAATF\tMYC\tOops\t1\n');
    expect(grn.edges.map((edge) => edge.target)).toEqual(['BAX']);
    expect(grn.badRows.map((row) => row.line)).toEqual([2]);
  });

  it('throws a sentence naming the expected header when the header is unrecognisable', () => {
    expect(() => parseCollectri('tf,gene,mor\nA,B,1\n')).toThrow(
      'This does not look like a CollecTRI file: expected a CSV header with columns "source","target","weight", but the first line is "tf,gene,mor".',
    );
    expect(() => parseTrrust('"source","target","weight"\n"A","B",1\n')).toThrow(
      /^This does not look like a TRRUST file: expected 4 tab-separated columns TF, Target, Regulation, Reference/,
    );
    expect(() => parseCollectri('\n\n')).toThrow('The CollecTRI file is empty');
    expect(() => parseTrrust('')).toThrow('The TRRUST file is empty');
  });

  it('finds CollecTRI columns by name and strips a byte-order mark', () => {
    const grn = parseCollectri('\uFEFF"weight","target","source","PMID"\n-1,"B","A","123"\n');
    expect(grn.edges).toEqual([{ regulator: 'A', target: 'B', sign: -1, weight: -1, source: 'CollecTRI' }]);
  });
});

describe('indexGrn', () => {
  it('matches symbols case-insensitively and keeps the first spelling for display', () => {
    const grn = parseTrrust(
      'TF\tTarget\tRegulation\tReference\nTp53\tMDM2\tActivation\t1\nTP53\tmdm2\tRepression\t2\nMDM2\tTP53\tRepression\t3\n',
    );
    const index = indexGrn(grn);
    expect(geneKey(' tp53 ')).toBe('TP53');
    expect([...index.symbols]).toEqual([
      ['TP53', 'Tp53'],
      ['MDM2', 'MDM2'],
    ]);
    expect(index.outgoing.get('TP53')!.map((edge) => edge.pmids)).toEqual([['1'], ['2']]);
    expect(index.incoming.get('MDM2')!.map((edge) => edge.target)).toEqual(['MDM2', 'mdm2']);
    expect(index.incoming.get('TP53')!.map((edge) => edge.regulator)).toEqual(['MDM2']);
    expect(index.outgoing.has('Tp53')).toBe(false);
    expect(index.partners.get('TP53')).toEqual(new Set(['MDM2']));
    expect(index.partners.get('MDM2')).toEqual(new Set(['TP53']));
  });
});
