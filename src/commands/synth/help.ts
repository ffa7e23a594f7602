// `flowhound help synth` (and `flowhound synth --help`): its options and examples.
import { coreDefaults } from '../../core-defaults.js';

export const SYNTH_HELP = `Usage: flowhound synth FLOWS -o OUT.pcap [options]
       flowhound synth --generate [--size SIZE] [--duration TIME] -o OUT.pcap [options]

Rebuilds a capture from flow records (CTU-13 .binetflow or Zeek conn.log, plain or gzip, or
an Arrow or Parquet flow table as flows writes it): for every record, packets whose count, direction split, wire lengths (summing to TotBytes
and SrcBytes), timing (over Dur), TCP flags (the State's letters), ICMP messages and TOS
match it, so that \`flowhound flows --whole\` (or Argus) gives the record back. Payloads
are filler up to the snap length; the original length is kept. The capture is in time order
and written as it goes. A labels sidecar says which record (and label) each flow came from.

Records:
  -o, --output FILE        the capture to write (classic pcap, Ethernet)
  --labels FILE            the labels sidecar (default: OUT.labels.csv); --no-labels for none
  --snaplen BYTES          bytes kept per packet (default 96)
  --from TIME, --to TIME   records starting in [from, to): '2011/08/16 11:30:00' (local at
                           --utc-offset), ISO 8601 with a zone, or epoch seconds
  --hosts CIDR             keep records with an end in CIDR (repeatable)
  --seed N                 seed of the rebuild's choices (default 0)
  --utc-offset MINUTES     the flow file's times are local at this offset (CTU-13: 120; default ${coreDefaults.utcOffsetMinutes})
  --keep-going             skip unreadable rows of the flow file (counted)

Generated traffic (--generate): a seeded LAN of web, DNS, long transfers, NTP, ICMP, and
bots (SMTP spam attempts, C&C beacons, ICMP/UDP floods, SYN scans), always at the same pace
(about 3,000 flows open at once; 1 GB at the default snap length is about half an hour).
Give a size, a capture time, or both (the first reached ends the capture); neither changes
the traffic, so a shorter capture is the start of a longer one with the same seed:
  --size SIZE              file size: 500MB, 1GB, 4GB, or bytes
  --duration TIME          capture time from the first packet: seconds (600), or with a unit:
                           90s, 10m, 2h, 1d (at most 31d)
  --lan-hosts N            LAN hosts (default 500)
  --seed N, --snaplen BYTES as above (defaults 1 and 96)
  --no-bots                normal traffic only

  -q, --quiet              no progress line and no summary
  --json                   the run's summary as JSON on standard output
  -v, --verbose            accepted, as by every command; synth has nothing more to tell
  -y, --yes                overwrite OUT.pcap and labels without asking (a terminal asks)

Examples:
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 -o scenario6.pcap
  flowhound synth capture20110816.binetflow.gz --utc-offset 120 --from '2011/08/16 11:30' --to '2011/08/16 11:40' -o slice.pcap
  flowhound synth capture20110818-2.botnet.binetflow.gz --hosts 147.32.84.0/24 -o rbot.pcap
  flowhound synth --generate --size 1GB --seed 7 -o mix.pcap
  flowhound synth --generate --duration 30m --seed 7 -o drill.pcap
  tcpreplay -i eth1 drill.pcap            # a fire drill on a mirror port
`;
