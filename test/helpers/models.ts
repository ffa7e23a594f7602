// The scoring tests' fixtures: the feature schema of the contract (version 1), as the addon's
// featureSchema() will give it, and the small models of test/fixtures/models.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FeatureSchema } from '../../src/models/schema-check.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_MODELS = join(ROOT, 'test', 'fixtures', 'models');
export const TINY_MODEL = join(FIXTURE_MODELS, 'tiny-flow-rf.onnx');
export const TINY_PARITY = join(FIXTURE_MODELS, 'tiny-flow-rf.parity.json');
export const MISMATCHED_MODEL = join(FIXTURE_MODELS, 'mismatched-12-inputs.onnx');

export const SCHEMA_V1: FeatureSchema = {
  version: 1,
  flow: [
    'duration_s', 'proto_is_tcp', 'proto_is_udp', 'proto_is_icmp', 'src_port_number', 'dst_port_number',
    'src_port_is_ephemeral', 'dst_port_is_well_known', 'dst_port_is_smtp', 'dst_port_is_dns', 'dst_port_is_irc',
    'dst_port_is_web', 'src_tos', 'dst_tos', 'tcp_src_syn', 'tcp_src_ack', 'tcp_src_push', 'tcp_src_fin',
    'tcp_src_rst', 'tcp_dst_syn', 'tcp_dst_ack', 'tcp_dst_push', 'tcp_dst_fin', 'tcp_dst_rst', 'state_is_con',
    'state_is_int', 'state_is_req', 'state_is_eco', 'state_is_unreachable', 'dst_silent', 'total_pkts',
    'total_bytes', 'src_bytes', 'dst_bytes', 'src_bytes_share', 'bytes_per_pkt', 'pkts_per_s', 'bytes_per_s',
  ],
  host: [
    'flows_initiated', 'flows_received', 'distinct_dst_addrs', 'distinct_dst_ports', 'distinct_src_addrs',
    'dst_port_entropy_bits', 'unanswered_share', 'tcp_failed_share', 'smtp_flows', 'distinct_smtp_servers',
    'smtp_share', 'dns_flows', 'dns_share', 'irc_flows', 'irc_share', 'icmp_flows', 'icmp_share', 'web_share',
    'bytes_up', 'bytes_down', 'pkts_total', 'bytes_up_share', 'mean_flow_duration_s', 'mean_bytes_per_flow',
    'beacon_pairs', 'beacon_min_cv',
  ],
  hostScoreAggregates: ['flow_score_max', 'flow_score_mean', 'botnet_flows', 'botnet_flow_share'],
};

/** A parity fixture: rows and scikit-learn's predict_proba[:, 1] for them (models/train). */
export interface ParityFixture {
  /** The parity file. */
  path: string;
  /** The model file, beside the parity file. */
  modelPath: string;
  featureNames: string[];
  rows: number[][];
  probabilities: number[];
}

export function readParity(path: string): ParityFixture {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    model: string;
    feature_names: string[];
    rows: number[][];
    probabilities: number[];
  };
  return {
    path,
    modelPath: join(dirname(path), json.model),
    featureNames: json.feature_names,
    rows: json.rows,
    probabilities: json.probabilities,
  };
}

/** The parity files of the real models (models/*.parity.json) that exist, then the tiny fixture's. */
export function parityFiles(): string[] {
  const modelsDir = join(ROOT, 'models');
  const real = existsSync(modelsDir)
    ? readdirSync(modelsDir).filter((name) => name.endsWith('.parity.json')).sort().map((name) => join(modelsDir, name))
    : [];
  return [...real, TINY_PARITY];
}

/**
 * The scoring pool runs the compiled worker (dist/workers/score.worker.js); `npm test` compiles
 * it first. When vitest is run alone after a change, say so rather than test stale code.
 */
export function assertWorkerBuilt(): void {
  const compiled = join(ROOT, 'dist', 'workers', 'score.worker.js');
  const sources = [
    join(ROOT, 'workers', 'score.worker.ts'),
    join(ROOT, 'src', 'pool', 'score-task.ts'),
    join(ROOT, 'src', 'pool', 'scoring-pool.ts'),
    join(ROOT, 'src', 'models', 'schema-check.ts'),
    join(ROOT, 'src', 'errors.ts'),
  ];
  const hint = 'run `npx tsc -p tsconfig.json` (or `npm test`, which does) before vitest';
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: ${hint}`);
  const builtMs = statSync(compiled).mtimeMs;
  for (const source of sources) {
    if (statSync(source).mtimeMs > builtMs) throw new Error(`${compiled} is older than ${source}: ${hint}`);
  }
}
