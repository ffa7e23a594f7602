// The figures of `flowhound evaluate`, on hand-made scores and truths, with every expected
// value worked out by hand here.
import { describe, expect, it } from 'vitest';

import { Evaluation, medianOf, ratios, timeWeight, type HostTruth, type TruthWindow } from '../../src/analysis/evaluation.js';

const STEP_US = 150e6;

function window(inputIndex: number, step: number, hosts: [string, number, HostTruth][]): TruthWindow {
  return { inputIndex, windowStartUs: step * STEP_US, hosts: hosts.map(([host, score, truth]) => ({ host, score, truth })) };
}

/**
 * Input 0, threshold 0.5:
 *   window 1: a infected 0.9 (TP, rank 2: b is above), b unknown 0.95 (FP), c normal 0.2 (TN),
 *             d infected_idle 0.7 (left out, flagged anyway)
 *   window 2: a infected 0.4 (FN, rank 2: b ties it), b unknown 0.4 (TN), c normal 0.1 (TN),
 *             e infected 0.3 (FN, rank 3)
 *   window 3: a infected 0.8 (TP, rank 1), c normal 0.6 (FP)
 *   window 4: b unknown 0.1, c normal 0.2 (TN, TN): no positive
 * Input 1:
 *   window 1: a infected 0.6 (TP, rank 1), alone
 */
function handMade(): Evaluation {
  const evaluation = new Evaluation({ threshold: 0.5, alpha: 0.01, inputs: 2 });
  evaluation.add(window(0, 0, [['a', 0.9, 'infected'], ['b', 0.95, 'unknown'], ['c', 0.2, 'normal'], ['d', 0.7, 'infected_idle']]));
  evaluation.add(window(1, 4, [['a', 0.6, 'infected']]));
  evaluation.add(window(0, 1, [['a', 0.4, 'infected'], ['b', 0.4, 'unknown'], ['c', 0.1, 'normal'], ['e', 0.3, 'infected']]));
  evaluation.add(window(0, 2, [['a', 0.8, 'infected'], ['c', 0.6, 'normal']]));
  evaluation.add(window(0, 3, [['b', 0.1, 'unknown'], ['c', 0.2, 'normal']]));
  return evaluation;
}

const c = (n: number) => Math.exp(-0.01 * n) + 1;

describe('evaluation', () => {
  it('counts host-windows: infected positive, normal and unknown negative, infected_idle left out', () => {
    const [input0, input1] = handMade().result().inputs;
    expect(input0!.windows).toBe(4);
    expect(input0!.counts).toEqual({ tp: 2, fp: 2, tn: 5, fn: 2, infectedIdle: 1, infectedIdleFlagged: 1 });
    expect(input0!.perWindow.map(({ tp, fp, tn, fn, infectedIdle, hosts }) => [tp, fp, tn, fn, infectedIdle, hosts])).toEqual([
      [1, 1, 1, 0, 1, 4],
      [0, 0, 2, 2, 0, 4],
      [1, 1, 0, 0, 0, 2],
      [0, 0, 2, 0, 0, 2],
    ]);
    expect(input1!.counts).toEqual({ tp: 1, fp: 0, tn: 0, fn: 0, infectedIdle: 0, infectedIdleFlagged: 0 });
  });

  it('computes the ratios of the confusion matrix, null where nothing divides', () => {
    const { metrics } = handMade().result().inputs[0]!;
    expect(metrics.precision).toBeCloseTo(2 / 4, 12);
    expect(metrics.recall).toBeCloseTo(2 / 4, 12);
    expect(metrics.f1).toBeCloseTo((2 * 2) / (2 * 2 + 2 + 2), 12);
    expect(metrics.fpr).toBeCloseTo(2 / 7, 12);
    expect(metrics.tnr).toBeCloseTo(5 / 7, 12);
    expect(metrics.fnr).toBeCloseTo(2 / 4, 12);
    expect(metrics.accuracy).toBeCloseTo(7 / 11, 12);
    expect(metrics.errorRate).toBeCloseTo(4 / 11, 12);
    expect(ratios({ tp: 0, fp: 0, tn: 0, fn: 0 })).toEqual({ precision: null, recall: null, f1: null, fpr: null, tnr: null, fnr: null, accuracy: null, errorRate: null });
    // No positive at all: recall undefined, precision 0 when something was flagged.
    expect(ratios({ tp: 0, fp: 1, tn: 3, fn: 0 })).toMatchObject({ precision: 0, recall: null, f1: 0, fpr: 0.25 });
  });

  it('weights windows as the comparer does: c(n) = e^(-αn) + 1, TP and FN over the positives, FP and TN over the negatives', () => {
    expect(timeWeight(1, 0.01)).toBeCloseTo(Math.exp(-0.01) + 1, 15);
    const { inputs, totals } = handMade().result();
    const input0 = inputs[0]!;
    expect(input0.perWindow.map((w) => w.ordinal)).toEqual([1, 2, 3, 4]);
    expect(input0.perWindow[2]!.weight).toBeCloseTo(c(3), 15);
    // Window 1: TP 1 of 1 positive, FP 1 and TN 1 of 2 negatives. Window 2: FN 2 of 2, TN 2 of 2.
    // Window 3: TP 1 of 1, FP 1 of 1. Window 4: TN 2 of 2, no positive (adds nothing to TP, FN).
    const expected = { tp: c(1) + c(3), fn: c(2), fp: 0.5 + 1, tn: 0.5 + 1 + 1 };
    const weighted = input0.timeWeighted.counts;
    for (const key of ['tp', 'fp', 'tn', 'fn'] as const) expect(weighted[key]).toBeCloseTo(expected[key], 12);
    expect(input0.timeWeighted.metrics.recall).toBeCloseTo(expected.tp / (expected.tp + expected.fn), 12);
    expect(input0.timeWeighted.metrics.precision).toBeCloseTo(expected.tp / (expected.tp + expected.fp), 12);
    expect(input0.timeWeighted.metrics.fpr).toBeCloseTo(expected.fp / (expected.fp + expected.tn), 12);
    // The other input numbers its own windows from 1; totals add the inputs' weighted counts.
    expect(inputs[1]!.timeWeighted.counts.tp).toBeCloseTo(c(1), 12);
    expect(totals.timeWeighted.counts.tp).toBeCloseTo(expected.tp + c(1), 12);
    expect(totals.timeWeighted.counts.tn).toBeCloseTo(expected.tn, 12);
  });

  it('ranks an infected host among its window\'s hosts, ties against it, and sums up each host', () => {
    const input0 = handMade().result().inputs[0]!;
    const byHost = Object.fromEntries(input0.infectedHosts.map((h) => [h.host, h]));
    expect(Object.keys(byHost)).toEqual(['a', 'd', 'e']);
    expect(byHost.a!.windows.map((w) => [w.windowStartUs / STEP_US, w.rank, w.flagged])).toEqual([
      [0, 2, true],
      [1, 2, false],
      [2, 1, true],
    ]);
    expect(byHost.a).toMatchObject({ activeWindows: 3, rankedFirst: 1, flagged: 2, medianRank: 2, worstRank: 2, firstFlaggedUs: 0, idleWindows: 0 });
    expect(byHost.a!.rankedFirstShare).toBeCloseTo(1 / 3, 12);
    expect(byHost.a!.flaggedShare).toBeCloseTo(2 / 3, 12);
    expect(byHost.e).toMatchObject({ activeWindows: 1, rankedFirst: 0, flagged: 0, medianRank: 3, worstRank: 3, firstFlaggedUs: null });
    // Only idle: counted, no ranks.
    expect(byHost.d).toMatchObject({ activeWindows: 0, idleWindows: 1, idleFlagged: 1, medianRank: null, worstRank: null, rankedFirstShare: null, flaggedShare: null });
  });

  it('adds inputs up: counts, windows, and a host seen in several inputs', () => {
    const { totals } = handMade().result();
    expect(totals.windows).toBe(5);
    expect(totals.counts).toEqual({ tp: 3, fp: 2, tn: 5, fn: 2, infectedIdle: 1, infectedIdleFlagged: 1 });
    expect(totals.metrics.recall).toBeCloseTo(3 / 5, 12);
    const a = totals.infectedHosts.find((h) => h.host === 'a')!;
    // Ranks 2, 2, 1 in input 0 and 1 in input 1: median of 1, 1, 2, 2 is 1.5.
    expect(a).toMatchObject({ activeWindows: 4, rankedFirst: 2, flagged: 3, medianRank: 1.5, worstRank: 2, firstFlaggedUs: 0 });
    expect(a.windows.map((w) => w.windowStartUs / STEP_US)).toEqual([0, 1, 2, 4]);
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(medianOf([])).toBeNull();
    expect(medianOf([7])).toBe(7);
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
  });

  it('orders infected hosts by address, numerically', () => {
    const evaluation = new Evaluation({ threshold: 0.5, inputs: 1 });
    evaluation.add(window(0, 0, [['10.0.0.10', 0.1, 'infected'], ['10.0.0.9', 0.2, 'infected'], ['fd00::1', 0.3, 'infected']]));
    expect(evaluation.result().totals.infectedHosts.map((h) => h.host)).toEqual(['10.0.0.9', '10.0.0.10', 'fd00::1']);
    expect(evaluation.alpha).toBe(0.01);
  });
});
