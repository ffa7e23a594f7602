// Opens a history for writing at a given moment, as a scorer does when it starts, and says how
// that went: `opened` or the error's code. Several of these start together on one new file.
//   node open-child.mjs DB START_EPOCH_MS
import { HistoryStore } from '../../dist/src/history/store.js';

const [db, startMs] = process.argv.slice(2);
while (Date.now() < Number(startMs)) {
  // All of them open at the same moment: the race is in the first milliseconds of a history.
}
try {
  HistoryStore.open(db).close();
  process.stdout.write('opened\n');
} catch (error) {
  process.stdout.write(`${error.code ?? 'no code'} ${error.message}\n`);
}
