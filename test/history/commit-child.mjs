// A stand-in for `flowhound analyze` writing its history (until analyze exists): commits
// windows one transaction each, as fast as it can, and prints `committed N START` after each
// commit has returned. The test kills it with SIGKILL part-way through.
//   node commit-child.mjs DB [PASSPHRASE]
import { HistoryStore } from '../../dist/src/history/store.js';

const [db, passphrase] = process.argv.slice(2);
const HOSTS = 400;
const store = HistoryStore.open(db, { passphrase: passphrase || null });
const input = { path: 'synthetic-lan.pcap', sizeBytes: 123456, sha256: 'c'.repeat(64) };
const runId = store.beginRun({
  options: { inputs: [input.path], lan: ['10.0.0.0/8'], windowSeconds: 300, stepSeconds: 150, utcOffsetMinutes: 0, threshold: 0.5, minFlows: 1, ranges: [], models: [] },
  versions: { flowhound: '0.1.0', core: '0.1.0', node: process.version, schema: 1 },
  models: [{ kind: 'host', path: 'host.onnx', sha256: 'd'.repeat(64), threshold: 0.5 }],
  inputs: [input],
  startedAt: new Date().toISOString(),
  interrupted: false,
});
process.stdout.write(`run ${runId}\n`);
for (let n = 0; n < 1_000_000; n++) {
  const windowStartUs = 1_313_480_000_000_000 + n * 150_000_000;
  const hosts = [];
  for (let h = 0; h < HOSTS; h++) {
    const score = ((h * 7919 + n * 104729) % 1000) / 1000;
    hosts.push({
      host: `10.${(h >> 8) & 255}.${h & 255}.${(n % 200) + 1}`,
      windowStartUs,
      score,
      flows: 10 + h,
      botnetFlows: score >= 0.5 ? 3 : 0,
      reasons: score >= 0.5 ? [`opened ${h} flows`] : [],
      behaviour: [h, n, score, h % 7],
    });
  }
  store.commitWindow(runId, { input: input.path, windowStartUs, hosts }, 0.5);
  process.stdout.write(`committed ${n} ${windowStartUs}\n`);
}
