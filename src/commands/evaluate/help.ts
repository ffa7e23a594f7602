// `flowhound help evaluate` (and `flowhound evaluate --help`): its options and examples.
import { coreDefaults } from '../../core-defaults.js';

const { windowSeconds, stepSeconds } = coreDefaults;

export const EVALUATE_HELP = `Usage: flowhound evaluate INPUT… --infected HOSTS|FILE [options]

Scores the inputs exactly as analyze does (the same models, the same host score per window,
the same threshold) and holds the scores against ground truth, per LAN host per window
(${windowSeconds} s every ${stepSeconds} s), as García et al. (2014) and Stratosphere's BotnetDetectorsComparer do:

  positive   the host is infected in the window: a botnet label names it there, or it is a
             known bot whose flows there carry no label and it opened one there
  left out   infected_idle: a known bot whose flows there are labelled and none botnet, or
             that only answered (counted, with how many were flagged anyway)
  negative   every other LAN host-window (normal or unknown)
  flagged    score >= threshold (predicted positive)

Figures: TP, FP, TN, FN; precision TP/(TP+FP), recall (TPR) TP/(TP+FN), F1 2TP/(2TP+FP+FN),
FPR FP/(FP+TN), TNR TN/(TN+FP), accuracy (TP+TN)/all, error rate (FP+FN)/all. And the
comparer's time-weighted ones, which value early detection: window n of an input (n = 1 for
its first) weighs c(n) = exp(-alpha*n) + 1, and, with P(n) and N(n) the positive and negative
host-windows of window n (windows without any add nothing),
  t-TP = sum TP(n)*c(n)/P(n)    t-FN = sum FN(n)*c(n)/P(n)
  t-FP = sum FP(n)/N(n)         t-TN = sum TN(n)/N(n)
t-precision, t-recall, t-F1, t-FPR, … are the same formulas on these.
Per infected host, in each window where it is infected: its rank among the window's LAN hosts
by score (1 = no other host at or above it: ties count against it) and whether it was
flagged; summed up as its active windows, share ranked first, share flagged, median and worst
rank, idle windows (flagged), and the first window it was flagged in. Per input, and over all.

Ground truth:
  --infected HOSTS|FILE      infected hosts: addresses, CIDR ranges or comma lists of them
                             (repeatable), or a FILE with one address or range per line
                             (# comments). Botnet labels in the inputs add to them; a capture
                             rebuilt by 'flowhound synth' takes the labels of its sidecar
                             (X.labels.csv beside X.pcap)
  --alpha A                  alpha of the time weights (default 0.01, as the comparer's)

Scoring, as for 'flowhound analyze':
  --lan CIDR                 LAN range (repeatable; default: the private ranges). CTU-13:
                             --lan 147.32.0.0/16
  --model FILE.onnx          a model of your own, checked against the feature schema
  --threshold P              host score from which a host-window is flagged (default: the
                             anomaly model card's)
  -j, --threads N            scoring threads (default: one less than the cores, at least 1;
                             at most 4 per core; --jobs)

Output:
  -o, --output FILE          .json or .txt (default: the table on the terminal)
  --format table|json        the JSON adds every window's counts, and each infected host's
                             score, rank and flag per window
  -y, --yes                  overwrite -o FILE without asking
  -q, --quiet                no progress bar and no summary
  --json                     the same as --format json
  -v, --verbose              accepted, as by every command; evaluate has nothing more to tell

Reading:
  --window SECONDS, --step SECONDS, --utc-offset MINUTES, --max-active-flows N, --memcap SIZE,
  --keep-going, --uncertain-direction first-sender|service-port   as for 'flowhound flows'

Exit codes: 0 done, 2 usage or input error (among them: no --infected and no labels in the
inputs, nothing to compare with), 130 interrupted (the figures of the windows scored before
are still written).

Examples:
  flowhound evaluate capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 --infected 147.32.84.165
  flowhound evaluate capture20110816.binetflow.gz --utc-offset 120 --lan 147.32.0.0/16 -o s6-eval.json
  flowhound evaluate test-sality.binetflow.gz --infected 192.168.1.128 --format json
  flowhound evaluate s6.pcap --lan 147.32.0.0/16             # truth from s6.labels.csv (synth)
  flowhound evaluate office.pcap --infected bots.txt --infected 10.0.7.0/24 --threshold 0.7
`;
