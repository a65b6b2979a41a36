import { describe, expect, it } from 'vitest';
import { planGraphTween, tweenPositions } from '../../../src/views/graph/graph_tween.ts';

describe('graph transition between subgraphs', () => {
  // Previous: A(0,0) B(10,0) C(0,10), links A→B (+), A→C (−). Next: B(20,20) A(30,0) D(5,5), links A→B (+), B→D (+).
  const prev = {
    ids: ['A', 'B', 'C'],
    xy: Float32Array.from([0, 0, 10, 0, 0, 10]),
    links: [
      { source: 0, target: 1, sign: 1 },
      { source: 0, target: 2, sign: -1 },
    ],
  };
  const next = {
    ids: ['B', 'A', 'D'],
    xy: Float32Array.from([20, 20, 30, 0, 5, 5]),
    links: [
      { source: 1, target: 0, sign: 1 },
      { source: 0, target: 2, sign: 1 },
    ],
  };
  const tw = planGraphTween(prev, next);

  it('starts kept genes where they were drawn and entering genes where they land', () => {
    expect([...tw.from]).toEqual([10, 0, 0, 0, 5, 5]);
    expect([...tw.isEntering]).toEqual([0, 0, 1]);
  });

  it('fades in new links and fades out the links and genes that left, at their old places', () => {
    expect([...tw.isLinkEntering]).toEqual([0, 1]);
    expect(tw.leavingNodes).toEqual([{ id: 'C', x: 0, y: 10 }]);
    expect(tw.leavingLinks).toEqual([{ x1: 0, y1: 0, x2: 0, y2: 10, sign: -1 }]);
  });

  it('interpolates linearly in eased t and ends exactly on the new layout', () => {
    expect([...tweenPositions(tw, next.xy, 0)]).toEqual([10, 0, 0, 0, 5, 5]);
    expect([...tweenPositions(tw, next.xy, 0.25)]).toEqual([12.5, 5, 7.5, 0, 5, 5]);
    expect(tweenPositions(tw, next.xy, 1)).toBe(next.xy);
  });
});
