// A real `flowhound analyze` run written into a history, through analyze's onRunStart and
// onWindow hooks, as `analyze --db` will do once it is wired (then tests can run the command).
//   node analyze-into-history.mjs DB INPUT… [--lan CIDR] [--utc-offset MINUTES]
// Prints `run ID windows N` when done.
import { parseArgs } from 'node:util';

import { runAnalyze } from '../../dist/src/commands/analyze.js';
import { HistoryStore } from '../../dist/src/history/store.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { lan: { type: 'string', multiple: true }, 'utc-offset': { type: 'string' } },
});
const [db, ...inputs] = positionals;
const store = HistoryStore.open(db, { passphrase: process.env.FLOWHOUND_PASSPHRASE || null });
let runId = null;
let threshold = 0.5;
let windows = 0;
try {
  await runAnalyze({
    inputs,
    reader: { lan: values.lan, utcOffsetMinutes: values['utc-offset'] === undefined ? undefined : Number(values['utc-offset']) },
    modelPaths: [],
    // analyze's own history (--db) is not used: this helper writes the run through the hooks.
    history: null,
    minFlows: 0,
    ranges: [],
    output: null,
    format: 'json',
    quiet: true,
    verbose: false,
    colour: false,
    log: (line) => process.stderr.write(`${line}\n`),
    write: async () => {},
    onRunStart: (run) => {
      runId = store.beginRun(run);
      threshold = typeof run.options.threshold === 'number' ? run.options.threshold : (run.models.find((m) => m.kind === 'host')?.threshold ?? 0.5);
    },
    onWindow: (window) => {
      store.commitWindow(runId, window, threshold);
      windows++;
    },
  });
  store.finishRun(runId, { interrupted: false });
} finally {
  store.close();
}
process.stdout.write(`run ${runId} windows ${windows}\n`);
