// Parquet is neither read nor written: its maintained reader and writer (the `parquet` crate of
// arrow-rs) would make the addon's build several times longer (README, "Packages"). Asked for
// it, flowhound says so and names what it writes instead: Feather (Arrow IPC), which pandas,
// polars and DuckDB read and turn into Parquet in one line.
import { usageError } from '../errors.js';

export function refuseParquetOutput(path: string | null): void {
  if (path === null || !path.toLowerCase().endsWith('.parquet')) return;
  const feather = `${path.slice(0, -'.parquet'.length)}.feather`;
  throw usageError(
    `flowhound does not write Parquet: write Feather (Arrow IPC) with -o ${feather} and convert it, e.g. ` +
      `python3 -c "import pandas as pd; pd.read_feather('${feather}').to_parquet('${path}')"`,
  );
}
