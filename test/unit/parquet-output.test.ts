// `-o X.parquet` is refused with the Feather way round it; `.feather` is Arrow for every command.
import { describe, expect, it } from 'vitest';

import { formatFromPath } from '../../src/commands/analyze/run.js';
import { tableFormatFromPath } from '../../src/sinks/feature-table.js';
import { flowFormatFromPath } from '../../src/sinks/flow-sink.js';
import { refuseParquetOutput } from '../../src/sinks/parquet.js';

describe('Parquet and Feather outputs', () => {
  it('refuses -o X.parquet with ERR_USAGE, the Feather path and the pandas line', () => {
    expect(() => refuseParquetOutput('out/flows.PARQUET')).toThrow(
      expect.objectContaining({
        code: 'ERR_USAGE',
        message: expect.stringContaining(
          "write Feather (Arrow IPC) with -o out/flows.feather and convert it, e.g. python3 -c \"import pandas as pd; pd.read_feather('out/flows.feather').to_parquet('out/flows.PARQUET')\"",
        ) as string,
      }) as Error,
    );
    expect(() => refuseParquetOutput(null)).not.toThrow();
    expect(() => refuseParquetOutput('flows.arrow')).not.toThrow();
  });

  it('.feather is an Arrow IPC file for flows, features and analyze', () => {
    expect(flowFormatFromPath('t.feather')).toBe('arrow');
    expect(tableFormatFromPath('t.feather')).toBe('arrow');
    expect(formatFromPath('t.Feather')).toBe('arrow');
  });
});
