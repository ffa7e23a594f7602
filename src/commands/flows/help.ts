// `flowhound help flows` (and `flowhound flows --help`): its options and examples.
import { formatBytes } from '../../cli/byte-size.js';
import { coreDefaults } from '../../core-defaults.js';

const { windowSeconds, stepSeconds, statusIntervalSeconds, maxActiveFlows, memcapBytes, minMemcapBytes, maxMemcapBytes, utcOffsetMinutes, uncertainDirection } = coreDefaults;

export const FLOWS_HELP = `Usage: flowhound flows INPUT [-o OUT.csv|OUT.arrow|OUT.parquet] [--host IP] [options]

Groups the packets of a capture (pcap or pcapng, any link type flowhound decodes) into
bidirectional flows with Argus's columns and meaning, or converts a flow file (CTU-13
.binetflow or Zeek conn.log, plain or gzip; or an Arrow or Parquet flow table) to CSV,
Arrow or Parquet.

Modes (captures):
  (default)                  windows of --window seconds every --step seconds, aligned to
                             the step in Unix time; every packet counts in each window holding it
  --window SECONDS           window length (default ${windowSeconds}); a multiple of the step
  --step SECONDS             step between window starts (default ${stepSeconds})
  --whole                    whole-capture records as Argus makes them (idle timeouts)
  --status-interval SECONDS  with --whole: split long flows every SECONDS (default ${statusIntervalSeconds}, as CTU-13)

Output:
  -o, --output FILE          .csv/.binetflow (CSV), .arrow/.feather (Arrow IPC file),
                             .arrows (IPC stream), .parquet (Parquet, snappy); default: CSV
                             on standard output
  --format csv|arrow|parquet override the format the extension implies

Hosts:
  --host IP|CIDR|FILE        only the records this host (or range, or a file of them) is an
                             end of (repeatable, or a comma list): what analyze -v and its JSON
                             point to for a suspicious host

Other options:
  --max-active-flows N       cap on active flows per table (default ${maxActiveFlows}); past it the
                             longest-idle flows are emitted early and counted
  --memcap SIZE              memory budget of the flow tables and the windows' rows (default
                             ${formatBytes(memcapBytes)}, from ${formatBytes(minMemcapBytes)} to ${formatBytes(maxMemcapBytes)}; e.g. 2GiB): past it the
                             least recently active flows are emitted early, and counted
  --keep-going               on damaged input, keep the flows read before the damage
  --utc-offset MINUTES       flow files: their textual times are local at this offset (default ${utcOffsetMinutes})
  --columns NAME=COLUMN,…    CSV flow files with other column names (nfstream's, CICFlowMeter's): which
                             column holds which field, e.g. SrcAddr=src_ip,Dport=dst_port
  --uncertain-direction first-sender|service-port
                             who a TCP connection seen without its handshake is named after:
                             its first sender (as the Argus that wrote CTU-13), or, as Argus
                             3.0.8 guesses, the side not on a service port (default ${uncertainDirection})
  -q, --quiet                no progress line and no summary
  -v, --verbose              first, the options the reader runs with (the core's defaults filled in)
  --json                     the run's summary as JSON on standard output (needs -o)
  -y, --yes                  overwrite -o FILE without asking (a terminal asks)
  -h, --help                 this help

Examples:
  flowhound flows capture.pcap -o flows.csv
  flowhound flows capture.pcapng --whole --status-interval 3600 -o argus-like.csv
  flowhound flows capture.pcap --window 60 --step 30 -o flows.arrow
  flowhound flows capture20110816.binetflow.gz -o scenario6.arrow
  flowhound flows capture.pcap --host 10.0.0.66 -o bot-flows.csv
`;
