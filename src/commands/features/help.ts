// `flowhound help features` (and `flowhound features --help`): its options and examples.
import { formatBytes } from '../../cli/byte-size.js';
import { coreDefaults } from '../../core-defaults.js';

const { windowSeconds, stepSeconds, lan, memcapBytes } = coreDefaults;

export const FEATURES_HELP = `Usage: flowhound features INPUT… -o FLOWS.arrow|FLOWS.parquet|FLOWS.csv [options]

Computes what the models see, for training and evaluation: a row per (window, flow) with
the flow's features, and a row per (window, LAN host) with the host's. Captures are cut
into windows of --window seconds every --step seconds; a flow file's record is cut into the
windows its packets, spread evenly over its duration, fall in (a piece of its packets in
each, each side's bytes in proportion to its packets there). Ground truth comes along: each
flow's CTU-13 label and class (botnet, normal, background, unlabelled), and each host's
label per window (infected, infected_idle, normal, unknown). A host is a known bot when
--infected names it or a botnet label names it as the bot (the source of From-Botnet, the
destination of To-Botnet); it is infected in a window where a botnet label names it, or
where none of its flows carries a label and it opened one (inputs with host-level truth
only), and infected_idle elsewhere. Flows of a capture rebuilt by 'flowhound synth' take
their labels from its sidecar (OUT.labels.csv beside the capture is found by itself).

Output:
  -o, --output FILE          the flow table: .arrow/.feather (Arrow IPC file), .parquet or .csv
  --hosts-output FILE        the host table (default: FILE with .hosts before the extension)
  --format arrow|parquet|csv override the format the extension implies

Ground truth and hosts:
  --lan CIDR                 LAN range (repeatable); only LAN hosts get host rows
                             (default: ${lan.join(' ')})
  --infected IP|CIDR         a host, or every host of a range, known to be infected (repeatable)
  --labels FILE              the synth labels sidecar of a single capture INPUT

Reading:
  --window SECONDS, --step SECONDS   windows (default ${windowSeconds} every ${stepSeconds})
  --utc-offset MINUTES       flow files: their textual times are local at this offset (CTU-13: 120)
  --columns NAME=COLUMN,…    CSV flow files with other column names: which column holds which field
  --max-active-flows N, --keep-going, --uncertain-direction first-sender|service-port
                             as for 'flowhound flows'
  --memcap SIZE              memory budget (default ${formatBytes(memcapBytes)}, e.g. 2GiB): past it flows are
                             evicted early and a window's flow rows are a sample of its flows
                             (its host rows still count them all); both are counted
  -q, --quiet                no progress line and no summary
  -v, --verbose              first, the options each reader runs with (the core's defaults filled in)
  --json                     the run's summary as JSON on standard output
  -y, --yes                  overwrite the tables without asking (a terminal asks)

Examples:
  flowhound features capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 -o s6.arrow
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 -o s6.pcap
  flowhound features s6.pcap --lan 147.32.0.0/16 -o s6-packets.arrow      # labels from s6.labels.csv
  flowhound features office.pcap --infected 192.168.1.23 -o office.csv
`;
