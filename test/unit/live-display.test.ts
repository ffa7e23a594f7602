// What flowhound live shows: a line per closed window in a pipe, a warning when a window lost
// packets, and on a terminal the view redrawn in place with its status line.
import { describe, expect, it } from 'vitest';

import type { ScoredWindow } from '../../src/analysis/session.js';
import type { WindowResult } from '../../src/analysis/types.js';
import { LiveDisplay, windowLine } from '../../src/commands/live/display.js';
import type { FeatureWindow } from '../../src/pipeline/features.js';
import { hostRow } from '../helpers/history.js';

const T0_US = Date.UTC(2026, 11, 1) * 1000;

function scored(capture: WindowResult['capture'], hosts: [string, number][] = [['10.0.0.1', 0.9], ['10.0.0.2', 0.1]]): ScoredWindow {
  const result: WindowResult = { input: 'live:mirror0', windowStartUs: T0_US, hosts: hosts.map(([a, s]) => hostRow(a, T0_US, s, [0.1])), capture };
  return { inputIndex: 0, result, features: {} as FeatureWindow };
}

function display(tty: boolean, json = false) {
  const written: string[] = [];
  const logged: string[] = [];
  const view = new LiveDisplay({
    interface: 'mirror0', lan: ['10.0.0.0/8'], windowSeconds: 10, stepSeconds: 5, threshold: 0.5, tty, json, colour: false, quiet: false, top: 5,
    write: (text) => written.push(text), log: (line) => logged.push(line), columns: () => 200,
  });
  return { view, written, logged };
}

describe('the live view', () => {
  it('writes a line per closed window in a pipe, and warns on standard error when the window lost packets', () => {
    const { view, written, logged } = display(false);
    view.onWindow(scored({ kernelReceived: 5000, kernelDropped: 0, interfaceDropped: 0, partial: false }));
    view.onWindow(scored({ kernelReceived: 5000, kernelDropped: 120, interfaceDropped: 3, partial: true }));
    expect(written).toEqual([
      'window 2026-12-01T00:00:00Z – 2026-12-01T00:00:10Z: 2 hosts, 1 suspicious (10.0.0.1), top 10.0.0.1 0.900 SUSPICIOUS, 5000 packets, drops 0 kernel 0 interface\n',
      'window 2026-12-01T00:00:00Z – 2026-12-01T00:00:10Z (partial): 2 hosts, 1 suspicious (10.0.0.1), top 10.0.0.1 0.900 SUSPICIOUS, 5000 packets, drops 120 kernel 3 interface\n',
    ]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^warning: window 2026-12-01T00:00:00Z lost packets: 120 dropped by the kernel \(ps_drop\), 3 by the interface \(ps_ifdrop\)/);
  });

  it('on a terminal redraws the view in place: title, status line, last window, the ranking, the warnings', () => {
    const { view, written } = display(true);
    view.begin();
    view.status({ packets: 1000, wireBytes: 64_000, kernelReceived: 1000, kernelDropped: 7, interfaceDropped: 0, activeFlows: 42, flowsEvictedEarly: 0, windowsClosed: 1, clockUs: T0_US, interfaceUp: false, ended: false });
    view.onWindow(scored({ kernelReceived: 900, kernelDropped: 7, interfaceDropped: 0, partial: false }));
    const last = written.at(-1)!;
    expect(last.startsWith('\x1b[H')).toBe(true);
    expect(last).toContain('flowhound live on mirror0 · LAN 10.0.0.0/8 · window 10 s, step 5 s · threshold 0.5');
    expect(last).toMatch(/1000 packets · 42 flows · kernel drops 7 \(ifdrop 0\) · evicted early 0 · windows 1 · up 00:00:00 · INTERFACE LOST, retrying/);
    expect(last).toMatch(/ {3}1 {2}10\.0\.0\.1 +0\.900/);
    expect(last).toContain('warning: ');
    expect(last).toContain('lost packets: 7 dropped by the kernel');
    // Cut to the terminal's width (the escape codes aside): a wrapped line would push the view down.
    const escapes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
    expect(last.split('\n').every((line) => line.replace(escapes, '').length <= 200)).toBe(true);
  });

  it('with --json writes a JSON object per closed window: its hosts, the suspicious ones, its packets and drops', () => {
    const { view, written, logged } = display(false, true);
    view.onWindow(scored({ kernelReceived: 5000, kernelDropped: 120, interfaceDropped: 3, partial: true }));
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!)).toEqual({
      window_start: '2026-12-01T00:00:00Z', window_end: '2026-12-01T00:00:10Z', partial: true, hosts: 2,
      suspicious: [{ host: '10.0.0.1', score: 0.9, reasons: [] }], top: [{ host: '10.0.0.1', score: 0.9 }, { host: '10.0.0.2', score: 0.1 }], threshold: 0.5,
      packets_received: 5000, packets_dropped_kernel: 120, packets_dropped_interface: 3, flows_evicted_early: 0, flow_rows_dropped: 0,
    });
    expect(logged[0]).toMatch(/^warning: window .* lost packets/);
  });

  it('names the window partial when the stop cut it, and says when there are no hosts', () => {
    expect(windowLine({ input: 'x', windowStartUs: T0_US, hosts: [], capture: { kernelReceived: 0, kernelDropped: 0, interfaceDropped: 0, partial: true } }, { threshold: 0.5, windowSeconds: 10 })).toBe(
      'window 2026-12-01T00:00:00Z – 2026-12-01T00:00:10Z (partial): 0 hosts, 0 suspicious, no hosts, 0 packets, drops 0 kernel 0 interface',
    );
  });
});
