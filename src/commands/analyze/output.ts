// What `flowhound analyze` writes: the ranking table (src/sinks/ranking-table.ts) of its result,
// as a terminal table under a line saying what was ranked, or as JSON (with each host's
// evidence and resemblance, and the run), CSV, Arrow or Parquet. Arrow and Parquet are loaded
// only when asked for: a run that writes JSON, CSV or text never loads apache-arrow.
import type { AnalysisResult } from '../../analysis/types.js';
import { isoTime, runJson, runOptionsJson } from '../../sinks/json.js';
import { flowsCommand, painter, rankingCsv, rankingJson, rankingTerminalLines, withGroups, type RankingTable } from '../../sinks/ranking-table.js';

export type AnalyzeFormat = 'table' | 'json' | 'csv' | 'arrow' | 'parquet';

/** The ranking table of a result: its hosts with the candidate botnet each is in. */
function rankingTable(result: AnalysisResult): RankingTable {
  const offset = result.run.options.utcOffsetMinutes;
  const hosts = withGroups(result.hosts, result.groups).map((host) => ({ ...host, flowsCommands: host.inputs.map((input) => flowsCommand(input, host.host, offset)) }));
  return { ...result, hosts };
}

/** The JSON document: the ranking, each host's evidence and resemblance, and the run. */
export function analysisJson(result: AnalysisResult): string {
  const document = {
    ...rankingJson(rankingTable(result), {
      detail: (_host, index) => {
        const host = result.hosts[index]!;
        return {
          evidence: host.evidence.map((e) => ({
            feature: e.feature,
            value: e.value,
            rarity_among_clean_host_windows: Number((10 ** -e.tail).toPrecision(3)),
            subject: e.subject,
            service: e.service,
            peers: e.peers,
            ports: e.ports,
            period_s: e.periodS,
            jitter_s: e.jitterS,
            span_s: e.spanS,
          })),
          resemblance_to_known_families: host.peakResemblance,
        };
      },
    }),
    run: runJson(result.run, runOptionsJson(result.run.options)),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export interface AnalysisTextOptions {
  colour: boolean;
  verbose: boolean;
  /** The terminal's width when the table goes to one; undefined otherwise (nothing is cut). */
  columns?: number;
}

/** The terminal table, under a line saying what was ranked. */
export function analysisText(result: AnalysisResult, options: AnalysisTextOptions): string {
  const paint = painter(options.colour);
  const now = result.nowWindowStartUs === null ? '' : ` · now = window at ${isoTime(result.nowWindowStartUs)}`;
  const lines = [
    paint('bold', `flowhound: ${result.hosts.length} LAN hosts ranked over ${result.windowStartsUs.length} windows · threshold ${result.threshold}${now}`),
    ...rankingTerminalLines(rankingTable(result), { ...options, moreHint: '--format json or csv' }),
  ];
  return `${lines.join('\n')}\n`;
}

/** The ranking as a Parquet file: the Arrow file's columns and types, through the addon's writer. */
export async function analysisParquet(result: AnalysisResult): Promise<Uint8Array> {
  const [{ rankingArrowTable }, { parquetBytes }] = await Promise.all([import('../../sinks/ranking-arrow.js'), import('../../sinks/parquet-output.js')]);
  return parquetBytes(rankingArrowTable(rankingTable(result)));
}

/** The result in `format` (Parquet: analysisParquet). */
export async function analysisOutput(result: AnalysisResult, format: Exclude<AnalyzeFormat, 'parquet'>, options: AnalysisTextOptions): Promise<string | Uint8Array> {
  switch (format) {
    case 'json':
      return analysisJson(result);
    case 'csv':
      return rankingCsv(rankingTable(result));
    case 'arrow': {
      const { rankingArrow } = await import('../../sinks/ranking-arrow.js');
      return rankingArrow(rankingTable(result));
    }
    case 'table':
      return analysisText(result, options);
  }
}
