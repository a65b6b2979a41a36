import { describe, expect, it } from 'vitest';
import { parseGrnView, grnViewField, type GrnViewTarget, type GrnViewValue } from '../../../src/state/grn_view.ts';

const saved: GrnViewValue = {
  sourceId: 'trrust',
  mode: 'regulon',
  topK: 30,
  hops: 2,
  maxNeighbours: 60,
  tf: 'IRF1',
  geneListText: 'CD74 MS4A1',
  colorBy: 'expression',
  sizeBy: 'degree',
};

describe('the regulation graph in a saved view', () => {
  it('round-trips through capture and apply', async () => {
    const grn = { sources: [], refresh: async () => {} } as unknown as GrnViewTarget;
    await grnViewField(grn).apply(JSON.parse(JSON.stringify(saved)));
    expect(grnViewField(grn).capture()).toEqual(saved);
  });

  it('answers values it did not write with a sentence naming the field', () => {
    expect(() => parseGrnView(null)).toThrow('expected an object');
    expect(() => parseGrnView({ ...saved, mode: 'ring' })).toThrow('mode “ring” is not one of top, regulon, list');
    expect(() => parseGrnView({ ...saved, hops: 3 })).toThrow('hops should be a whole number in 1…2');
    expect(() => parseGrnView({ ...saved, topK: 2.5 })).toThrow('topK should be a whole number in 1…500');
    expect(() => parseGrnView({ ...saved, colorBy: 'size' })).toThrow('colorBy “size” is not attribution or expression');
    expect(() => parseGrnView({ ...saved, tf: 7 })).toThrow('tf should be text of at most 200 characters');
  });

  it('refuses a network this session has not loaded', async () => {
    const grn = { sources: [{ id: 'collectri' }], refresh: async () => {} } as unknown as GrnViewTarget;
    await expect(grnViewField(grn).apply({ ...saved, sourceId: 'user-1' })).rejects.toThrow(
      'the network user-1 is not loaded in this session; open its file again',
    );
  });
});
