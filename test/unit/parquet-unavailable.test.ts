// An addon built without its parquet feature (FLOWHOUND_PARQUET=0): asked for Parquet, the
// commands stop before any work with ERR_PARQUET_UNAVAILABLE, saying how to build it in.
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/native.js', () => ({
  native: { parquetBuiltIn: () => false },
  callNative: <T>(call: () => T) => call(),
  awaitNative: <T>(promise: Promise<T>) => promise,
}));

const { requireParquet } = await import('../../src/sinks/parquet-availability.js');

describe('Parquet in a build without it', () => {
  it('is ERR_PARQUET_UNAVAILABLE naming the output, with the way to build it in', () => {
    expect(() => requireParquet('out/flows.parquet')).toThrow(
      expect.objectContaining({ code: 'ERR_PARQUET_UNAVAILABLE', location: { path: 'out/flows.parquet' }, message: expect.stringContaining('npm run build:native') as string }) as Error,
    );
  });
});
