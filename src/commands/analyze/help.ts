// `flowhound help analyze` (and `flowhound analyze --help`): its options and examples.
import { formatBytes } from '../../cli/byte-size.js';
import { coreDefaults } from '../../core-defaults.js';

const { windowSeconds, stepSeconds, memcapBytes } = coreDefaults;

export const ANALYZE_HELP = `Usage: flowhound analyze INPUT… [options]

Ranks the LAN hosts most likely infected by botnet malware. INPUT is a capture (pcap, pcapng),
a flow file (CTU-13 .binetflow or Zeek conn.log, plain or gzip) or a flow table; several
inputs are analysed in parallel. Every window (${windowSeconds} s every ${stepSeconds} s) is scored: the flow model
scores each flow, the host model each LAN host from its behaviour and its flows' scores. Hosts
above the threshold in the last window are suspicious NOW (red); those above it only earlier
were suspicious BEFORE (yellow). Each suspicious host comes with the reasons that pushed its
score.

Hosts:
  --lan CIDR                 LAN range (repeatable or a comma list; default: the private
                             ranges). Only LAN hosts are ranked. CTU-13: --lan 147.32.0.0/16
  --ip, -r, --range CIDR|FILE
                             rank only these hosts (repeatable or a comma list; a FILE holds
                             one per line)
  --exclude CIDR|FILE        never rank nor flag these hosts (a whitelist: your scanners, your
                             mail relays; repeatable or a comma list, or a FILE of them)
  -c, --min-flows N          leave out hosts with fewer flows over the run (default 1;
                             --min-count, BotRecon's name, is the same)
  --at TIME                  the window that is "now": the latest that holds TIME (default:
                             the last one); a TIME no window holds is ERR_AT_OUTSIDE_WINDOWS

Models:
  --model FILE.onnx          a model of your own (its kind, flow or host, from its metadata
                             or card); checked against the feature schema before use
  --threshold P              host score from which a host is suspicious (default: the card's)
  -j, --threads N            scoring threads (default: one less than the cores, at least 1:
                             reading takes one; at most 4 per core; --jobs is the same)

Output:
  -o, --output FILE          .json, .csv, .arrow/.feather, .parquet or .txt (default: a table
                             on the terminal)
  --format table|json|csv|arrow|parquet
  --json                     the same as --format json
  --db FILE|URL              the history the run is recorded in, a transaction per window:
                             a SQLite file (default: ~/.local/share/flowhound/history.sqlite),
                             or a shared PostgreSQL database, postgres://USER@HOST:PORT/DB;
                             with FLOWHOUND_PASSPHRASE set, addresses are stored encrypted
  --no-db                    record nothing
  --fail-on-detection        exit 1 when a host scores above the threshold in any window
  -y, --yes                  overwrite -o FILE without asking
  -v, --verbose              every reason, under each suspicious host since when and the
                             command that shows its flows, a line per window, time per stage
  -q, --quiet                no progress bar and no summary
  -h, --help                 this help

Reading:
  --columns NAME=COLUMN,…, --window SECONDS, --step SECONDS, --utc-offset MINUTES, --max-active-flows N, --keep-going,
  --uncertain-direction first-sender|service-port   as for 'flowhound flows'
  --memcap SIZE              memory budget of the flow tables and the windows' flow rows (default
                             ${formatBytes(memcapBytes)}, e.g. 2GiB): past it the least recently active flows are
                             emitted early and a window scores a sample of its flows (its hosts
                             still count them all); both are counted in the summary, -v, the
                             JSON, the history and the report

A sensor for 'flowhound serve' (docs/deploy.md): the windows' feature rows are published to
NATS JetStream instead of being scored here; scoring, ranking and history options are refused.
  --publish nats://HOST:PORT the NATS server (with JetStream) to publish each closed window to
  --sensor NAME              this sensor's name, its subject flowhound.windows.NAME (default:
                             the host's name)
  --stream NAME              the deployment's stream (default FLOWHOUND)
  --buffer-windows N, --buffer-bytes SIZE
                             windows held while the server is away (default 1000, 256MiB)
  --when-full wait|drop      past them: pause reading (default) or drop the oldest, counted
  --drain-timeout SECONDS    how long the end waits for the server (default 60); what is left
                             then is dropped and counted
  --status-interval SECONDS  a line on what was published, buffered, dropped (default 10)
  --json                     with --publish: what was published, as JSON

Exit codes: 0 done, 1 detection with --fail-on-detection, 2 usage or input error,
130 interrupted (the ranking of the windows finished before is still written).

Examples:
  flowhound analyze office.pcap
  flowhound analyze capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16
  flowhound analyze day1.pcap day2.pcap --lan 10.0.0.0/8 --min-flows 20 -o ranking.json
  flowhound analyze mirror.pcapng --fail-on-detection -q || page-the-on-call
  flowhound analyze /srv/captures/*.pcap --lan 10.0.0.0/8 --publish nats://10.0.0.5:4222 --sensor archive
`;
