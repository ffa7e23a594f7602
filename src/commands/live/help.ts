// `flowhound help live` (and `flowhound live --help`): its options and examples.
import { formatBytes } from '../../cli/byte-size.js';
import { coreDefaults, liveDefaults } from '../../core-defaults.js';

const { windowSeconds, stepSeconds } = coreDefaults;

export const LIVE_HELP = `Usage: flowhound live IFACE [options]
       flowhound live --list-interfaces

Captures on a network interface (a mirror / SPAN port) and ranks the LAN hosts as each window
closes (${windowSeconds} s every ${stepSeconds} s, on capture time as for files; on an idle network, once the
clock passes a window's end). libpcap captures on a native thread into the same flow and
feature engine as 'flowhound analyze'; every window is scored, recorded in the history (one
transaction each: 'flowhound report' works while it grows), shown, and alerted on.

On a terminal the ranking is redrawn in place as each window closes (now / before, score,
sparkline, reasons) under a status line: packets/s, flows, kernel drops (ps_drop, ps_ifdrop),
flows evicted early, windows closed, uptime. In a pipe or under a service manager: one line per
closed window. A window that lost packets is warned about, and its drops are in the history.

Capture:
  --list-interfaces          the interfaces libpcap can capture on, with their networks
  --bpf FILTER               a BPF filter, tcpdump's syntax (e.g. 'not port 22')
  --snaplen BYTES            bytes kept of each packet (default ${liveDefaults.snaplen})
  --buffer-size SIZE         the kernel's ring for packets not yet read (default
                             ${formatBytes(liveDefaults.bufferSizeBytes)}, e.g. 256MiB): raise it if the kernel drops
  --no-promisc               do not put the interface in promiscuous mode
  --duration SECONDS         stop after this long
  --packets N                stop after N packets

Hosts and models:
  --lan CIDR                 LAN range (repeatable; default: the interface's own networks
                             and the private ranges, printed at start)
  --model FILE.onnx, --threshold P, --threads N   as for 'flowhound analyze'

Windows:
  --window SECONDS, --step SECONDS, --max-active-flows N, --memcap SIZE   as for analyze

Output:
  --db FILE|URL              the history: a SQLite file (default: ~/.local/share/flowhound/history.sqlite),
                             or a shared PostgreSQL database, postgres://USER@HOST:PORT/DB;
                             with FLOWHOUND_PASSPHRASE set, addresses are stored encrypted
  --no-db                    record nothing
  --retain-days N            forget windows older than N days (checked as windows close)
  --alerts FILE|-            a JSON line when a host crosses the threshold and when it falls
                             back below it (time, host, score, window, reasons, top peers);
                             reopened on SIGHUP, for log rotation
  --alert-format json|idmef  json (default) or IDMEFv2 JSON, for a SIEM
  --top N                    hosts shown on the terminal (default 15)
  --json                     a JSON object per closed window on standard output (its hosts,
                             the suspicious ones with their reasons, its packets and drops)
  -v, --verbose              every reason of every host in the final table
  -q, --quiet                no view: only warnings and the closing summary
  -y, --yes                  accepted, as by every command: live overwrites nothing (the
                             history and the alert file are added to)

A sensor for 'flowhound serve' (docs/deploy.md): each closed window's feature rows, with the
kernel's counts, are published to NATS JetStream instead of being scored here; history, alert,
model and view options are refused.
  --publish nats://HOST:PORT the NATS server (with JetStream) to publish each closed window to
  --sensor NAME              this sensor's name, its subject flowhound.windows.NAME (default:
                             the host's name)
  --stream NAME              the deployment's stream (default FLOWHOUND)
  --buffer-windows N, --buffer-bytes SIZE
                             windows held while the server is away (default 1000, 256MiB)
  --when-full drop|wait      past them: drop the oldest (default), counted, or wait
  --drain-timeout SECONDS    how long a stop waits for the server (default 60)
  --status-interval SECONDS  a line on what was published, buffered, dropped (default 60)

Stopping: Ctrl-C or SIGTERM closes the open windows (marked partial), scores and records
them, flushes the alerts, and exits 0; a second Ctrl-C exits 130 at once. A lost interface
(down, unplugged) is reported and reopened every second; the capture goes on.

Permissions: root, or CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode):
  sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(command -v node)")"
or, under systemd, AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN (README, "flowhound live").

Exit codes: 0 stopped (Ctrl-C, SIGTERM, --duration, --packets), 2 usage, interface, filter or
permission error, 130 a second Ctrl-C.

Examples:
  flowhound live eth1
  flowhound live eth1 --lan 10.20.0.0/16 --bpf 'not host 10.20.0.5' --alerts /var/log/flowhound/alerts.jsonl
  flowhound live mirror0 --window 60 --step 30 --alerts - --alert-format idmef | siem-forwarder
  flowhound live eth1 --lan 10.20.0.0/16 --publish nats://10.0.0.5:4222 --sensor building-b
`;
