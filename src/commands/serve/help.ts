// `flowhound help serve` (and `flowhound serve --help`): its options and examples.
import { DEFAULT_STREAM, SCORERS_CONSUMER, SUBJECT_PREFIX } from '../../nats/addressing.js';

export const SERVE_HELP = `Usage: flowhound serve --nats nats://HOST:PORT [--db FILE|postgres://…] [options]

A scorer of a deployment with many sensors. Sensors ('flowhound live IFACE --publish URL',
'flowhound analyze FILE… --publish URL') build each closed window's feature rows and publish
it to NATS JetStream, on ${SUBJECT_PREFIX}.<sensor> of the stream (default ${DEFAULT_STREAM}); every
scorer pulls from one durable consumer (${SCORERS_CONSUMER}), so scorers started on several
cores or machines share the windows. Each window is scored with the models and scoring pool of
'flowhound analyze', committed to the history once (a window given again, after a scorer was
killed before it acknowledged it, is found there and not written twice), alerted on, and then
acknowledged. A window of another feature schema (a sensor of another flowhound version) is
refused, counted and never scored (ERR_WINDOW_SCHEMA_MISMATCH).

Every --status-interval seconds a line: windows scored and per second, flow rows per second,
the time from a window's close at its sensor to its commit here (p50, p95), each sensor's lag
(its windows not yet scored), windows already in the history, refused, unreadable, and what
the sensors had to drop.

Broker:
  --nats URL                 the NATS server, nats://HOST:PORT (a comma list for a cluster)
  --stream NAME              the deployment's stream (default ${DEFAULT_STREAM})
  --concurrency N            windows scored at once (default 2)
  --exit-when-idle SECONDS   stop once nothing has come for this long and the stream is empty
                             (scoring an archive's windows, then exiting)

Models:
  --model FILE.onnx, --threshold P, --threads N   as for 'flowhound analyze' (--threads:
                             the cores by default, since serve reads nothing itself)

Output:
  --db FILE|postgres://…     the history: a SQLite file (default: ~/.local/share/flowhound/
                             history.sqlite) the scorers of one machine share, or a PostgreSQL
                             database the scorers of several machines share; 'flowhound report
                             --all-runs' ranks its hosts. With FLOWHOUND_PASSPHRASE set,
                             addresses are encrypted
  --alerts FILE|-            a JSON line per host at or above the threshold in each window this
                             scorer commits (as 'flowhound live' writes them, event "raised")
  --alert-format json|idmef  json (default) or IDMEFv2 JSON, for a SIEM
  --status-interval SECONDS  seconds between status lines (default 10; 0: none)
  --json                     the totals as JSON on standard output when it stops
  -q, --quiet                no status lines
  -y, -v                     accepted, as by every command: serve overwrites nothing (the
                             history and the alert file are added to) and has no more to tell

Stopping: Ctrl-C or SIGTERM finishes the windows in hand, records the runs as ended, and
exits 0; a second Ctrl-C exits 130 at once. A lost NATS server is waited for.

Exit codes: 0 stopped, 2 usage error, NATS server unreachable (ERR_NATS_CONNECT), no JetStream
(ERR_NATS_JETSTREAM), or a history or model error, 130 a second Ctrl-C.

Examples:
  flowhound serve --nats nats://10.0.0.5:4222 --db /var/lib/flowhound/history.sqlite
  flowhound serve --nats nats://10.0.0.5:4222 --db postgres://flowhound@10.0.0.6/flowhound --threads 2
  flowhound serve --nats nats://127.0.0.1:4222 --db archive.sqlite --exit-when-idle 10 --json
`;
