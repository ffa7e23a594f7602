#!/usr/bin/env node
// Runs one benchmark stage in its own process, so that its peak RSS is its own, and prints
// one JSON line. Usage: node bench/stage-child.mjs STAGE CAPTURE
//   STAGE: walk | decode | windowed | windowed-2t (reading and decoding on a second thread) |
//          whole | flows-api (the whole JS path, records to Arrow) |
//          features (what `analyze` waits for: every window's feature rows, as `analyze` asks
//          for them, CTU-13's LAN, none scored)
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { native, packageRoot } from '../dist/src/native.js';
import { FeatureReader } from '../dist/src/pipeline/features.js';
import { FlowReader } from '../dist/src/pipeline/flows.js';
import { ArrowFlowSink } from '../dist/src/sinks/arrow-flows.js';
import { GuardedOutput } from '../dist/src/sinks/guarded-output.js';
import { checkOutputTargets } from '../dist/src/sinks/output-target.js';

const [stage, capture] = process.argv.slice(2);
if (!stage || !capture) {
  console.error('usage: node bench/stage-child.mjs walk|decode|windowed|windowed-2t|whole|flows-api|features CAPTURE');
  process.exit(2);
}

const windowed = { windowSeconds: 300, stepSeconds: 150 };
const whole = { whole: true, statusIntervalSeconds: 3600 };

let result;
if (stage === 'flows-api') {
  const out = join(packageRoot, 'bench', 'out', 'flows-api.arrow');
  const started = process.hrtime.bigint();
  const reader = FlowReader.open(capture, windowed);
  const [target] = checkOutputTargets({ outputs: [out], inputs: [capture] });
  const sink = new ArrowFlowSink(await GuardedOutput.open(target), 'arrow-file');
  const batches = reader.arrow();
  for (let batch = await batches.next(); batch !== null; batch = await batches.next()) await sink.write(batch);
  await sink.close();
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const progress = reader.progress();
  const stats = reader.stats();
  result = { packets: progress.packets, records: progress.records, elapsedNs, fileBytes: progress.bytesConsumed,
    peakActiveFlows: stats.peakActiveFlows };
  await rm(out, { force: true });
} else if (stage === 'features') {
  const started = process.hrtime.bigint();
  const reader = FeatureReader.open(capture, { ...windowed, lan: ['147.32.0.0/16'], flowColumns: false });
  let windows = 0;
  let flowRows = 0;
  for await (const window of reader) {
    windows += 1;
    flowRows += window.flowCount;
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const stats = reader.sourceStats();
  result = { packets: stats.packets, records: flowRows, windows, elapsedNs, peakActiveFlows: stats.peakActiveFlows };
} else {
  const nativeStages = { windowed: 'flows', 'windowed-2t': 'flows-2t', whole: 'flows' };
  const nativeStage = nativeStages[stage] ?? stage;
  const options = stage === 'whole' ? whole : windowed;
  result = await native.measureCaptureStage(capture, nativeStage, options);
}
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ stage, capture, ...result, maxRssBytes })}\n`);
