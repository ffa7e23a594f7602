// The ranking table (ranking-table.ts) as Arrow columns: analyze's -o FILE.arrow, and the
// columns its Parquet file is written from. Apart from the table's other forms so that a run
// writing JSON, CSV or text never loads apache-arrow (analyze imports this only for those two).
import { Bool, Int32, Int64, makeData, makeVector, Table, tableToIPC, TimeUnit, Timestamp, Utf8, vectorFromArray } from 'apache-arrow';

import type { RankingTable } from './ranking-table.js';

/** A count as int64, the type pandas and polars keep (a float64 count reads back as a float). */
const int64Counts = (counts: number[]) =>
  makeVector(makeData({ type: new Int64(), length: counts.length, data: BigInt64Array.from(counts, (n) => BigInt(Math.round(n))) }));

/** The table as an Arrow IPC file: the same columns, times as timestamp[us, UTC], counts as int64. */
export function rankingArrow(table: Pick<RankingTable, 'hosts'>): Uint8Array {
  return tableToIPC(rankingArrowTable(table), 'file');
}

/** The table as Arrow columns (the Arrow file's, and the Parquet file's). */
export function rankingArrowTable(table: Pick<RankingTable, 'hosts'>): Table {
  const hosts = table.hosts;
  const peakStarts = BigInt64Array.from(hosts, (h) => BigInt(h.peakWindowStartUs));
  return new Table({
    rank: makeVector(Int32Array.from(hosts, (h) => h.rank)),
    host: vectorFromArray(hosts.map((h) => h.host), new Utf8()),
    score: makeVector(Float64Array.from(hosts, (h) => h.score)),
    peak_score: makeVector(Float64Array.from(hosts, (h) => h.peakScore)),
    peak_window_start: makeVector(makeData({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), length: hosts.length, data: peakStarts })),
    flows: int64Counts(hosts.map((h) => h.flows)),
    model_botnet_flows: int64Counts(hosts.map((h) => h.botnetFlows)),
    suspicious_now: vectorFromArray(hosts.map((h) => h.suspiciousNow), new Bool()),
    suspicious_before: vectorFromArray(hosts.map((h) => h.suspiciousBefore), new Bool()),
    group: vectorFromArray(hosts.map((h) => h.group), new Int32()),
    reasons: vectorFromArray(hosts.map((h) => h.reasons.join('; ')), new Utf8()),
  });
}
