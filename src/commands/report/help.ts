// `flowhound help report` (and `flowhound report --help`): its options and examples.
import { defaultHistoryPath } from '../../history/paths.js';

export const REPORT_HELP = `Usage: flowhound report [--db FILE|URL] [--from TIME --to TIME] [--run ID… | --all-runs] [-o REPORT.html|.json|.csv | --json]
       flowhound report [--db FILE|URL] --compare RUN RUN [-o COMPARE.html|.json]
       flowhound report [--db FILE|URL] --list

The batch host-scoring report, from the history that 'flowhound analyze' keeps: the hosts
ranked by their score in the last window (then by peak), each host's score over time, a
hosts × windows heatmap, the botnet groups (suspicious hosts that behave alike), and the
runs and inputs it covers. The HTML report is one file that loads nothing from the network:
open it in a browser straight from disk, mail it, archive it.

Selection (default: the latest run; with --from/--to, every run in that time):
  --db FILE|URL          the history: a SQLite file (default: ${defaultHistoryPath()};
                         XDG_DATA_HOME moves it), or a shared PostgreSQL database,
                         postgres://USER@HOST:PORT/DB
  --run ID               windows of these runs only (repeatable, or ID,ID,…; --list shows them)
  --all-runs             every run of the history; each run's "now" is its own last window
  --from TIME, --to TIME windows starting in [from, to): '2011/08/16 11:30:00', ISO 8601
                         with a zone, or epoch seconds; zoneless times are UTC unless
  --utc-offset MINUTES   says otherwise

Comparison (BotHound's attack analytics):
  --compare RUN RUN      suspicious hosts the two runs share (count and % of each), and for
                         each botnet group of the later run the earlier group it resembles
                         most; printed, or the full report of both runs with -o

Output:
  -o, --output FILE      .html (self-contained page), .json (everything), .csv (a row per
                         host); without -o, a summary on standard output
  --format html|json|csv override the format the extension implies
  --list                 the runs in the history, and nothing else
  --json                 the JSON document on standard output (as -o - --format json)
  -v, --verbose          the summary without -o: every reason, and under each suspicious host
                         since when and the command that shows its flows
  -q, --quiet            no summary line on standard error
  -y, --yes              overwrite -o FILE without asking (a terminal asks)
  -h, --help             this help

Privacy: a history made with FLOWHOUND_PASSPHRASE set keeps host addresses, reasons and
options encrypted. With the same FLOWHOUND_PASSPHRASE the report shows the addresses;
without it, each host is 'hmac:' and the start of a keyed hash of its address (the same
host has the same label in every report, and comparisons still work).

Examples:
  flowhound report -o report.html
  flowhound report --db lab.sqlite --run 3 --run 4 -o week.csv
  flowhound report --from '2011-08-16T09:30:00Z' --to '2011-08-16T11:00:00Z' -o morning.json
  flowhound report --compare 3 5
  flowhound report --db postgres://flowhound@db.lan/flowhound --all-runs -o campus.html
  FLOWHOUND_PASSPHRASE=… flowhound report --db private.sqlite -o report.html
`;
