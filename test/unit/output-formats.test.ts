// Which format an output path means, for every command: .parquet is Parquet, .feather Arrow.
import { describe, expect, it } from 'vitest';

import { formatFromPath } from '../../src/commands/analyze/run.js';
import { tableFormatFromPath } from '../../src/sinks/feature-table.js';
import { flowFormatFromPath } from '../../src/sinks/flow-sink.js';

describe('Parquet and Feather outputs', () => {
  it('.parquet is Parquet for flows, features and analyze, in any case', () => {
    expect(flowFormatFromPath('out/flows.PARQUET')).toBe('parquet');
    expect(tableFormatFromPath('t.parquet')).toBe('parquet');
    expect(formatFromPath('ranking.Parquet')).toBe('parquet');
  });

  it('.feather is an Arrow IPC file for flows, features and analyze', () => {
    expect(flowFormatFromPath('t.feather')).toBe('arrow');
    expect(tableFormatFromPath('t.feather')).toBe('arrow');
    expect(formatFromPath('t.Feather')).toBe('arrow');
  });
});
