// Why a host stands out, in words an analyst can check: each evidence the anomaly model found
// rare among clean hosts, told with the host's own numbers and the peers behind them (the
// addresses, ports and periods the native builder kept for each evidence).
import type { FeatureWindow } from '../pipeline/features.js';

/** One evidence of one host in one window, with what stands behind it. */
export interface EvidenceFinding {
  /** The evidence feature's name (`flowhound models --schema`). */
  feature: string;
  value: number;
  /** −log10 of the share of clean host-windows that reach the value (4: one in ten thousand). */
  tail: number;
  /** The address the value was counted against, or null. */
  subject: string | null;
  /** `tcp/25`, `udp/53`, `icmp`, or null. */
  service: string | null;
  /** Some of the peers behind the value (at most five, in address order). */
  peers: string[];
  /** Ports behind a vertical scan (at most five). */
  ports: number[];
  /** A regular series: mean and standard deviation of the times between contacts, and its span, seconds. */
  periodS: number | null;
  jitterS: number | null;
  spanS: number | null;
  /** The sentence a person reads. */
  reason: string;
}

/** Evidence at least this rare among clean host-windows is told (one in a thousand). */
export const REASON_MIN_TAIL = 3;
/** Reasons told per host and window at most. */
export const MAX_REASONS = 3;

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${Math.round(n) === 1 ? one : many}`;

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function serviceText(protocol: number, port: number): string | null {
  if (protocol === 0) return null;
  const name = PROTOCOL_NAMES[protocol] ?? `ip-proto-${protocol}`;
  return port >= 0 ? `${name}/${port}` : name;
}

function seconds(value: number): string {
  if (value >= 120) return `${(value / 60).toFixed(value >= 600 ? 0 : 1)} min`;
  if (value >= 10) return `${value.toFixed(0)} s`;
  return `${value.toFixed(1)} s`;
}

/** "1 in 31,000": the rarity a tail score stands for, rounded to two figures. */
export function rarity(tail: number): string {
  const n = 10 ** tail;
  const rounded = Number(n.toPrecision(2));
  return `1 in ${rounded.toLocaleString('en-US')}`;
}

function peerList(peers: string[], total: number): string {
  if (peers.length === 0) return '';
  const more = Math.round(total) - peers.length;
  return ` (${peers.join(', ')}${more > 0 ? `, … ${count(more)} more` : ''})`;
}

type Detail = Omit<EvidenceFinding, 'reason' | 'tail' | 'feature'>;

const SENTENCES: Record<string, (d: Detail) => string> = {
  scan_service_targets: (d) => `tried ${d.service ?? 'one service'} on ${plural(d.value, 'new address', 'new addresses')} that did not answer or refused${peerList(d.peers, d.value)}`,
  scan_ports_one_target: (d) => `tried ${plural(d.value, 'TCP port')} of ${d.subject ?? 'one address'}, in vain (${d.ports.join(', ')}${d.value > d.ports.length ? ', …' : ''})`,
  failed_retries_one_service: (d) => `${d.subject ?? 'one server'}${d.service ? ` (${d.service})` : ''} did not answer ${plural(d.value, 'attempt')}`,
  unanswered_pkts_one_target: (d) => `sent ${plural(d.value, 'packet')} that ${d.subject ?? 'one address'} never answered: a flood`,
  smtp_servers: (d) => `opened mail connections to ${plural(d.value, 'SMTP server')}${peerList(d.peers, d.value)}`,
  irc_connections: (d) => `${plural(d.value, 'IRC connection')}${d.subject ? ` to ${d.subject}${d.service ? ` (${d.service})` : ''}` : ''}`,
  dns_unanswered: (d) => `${plural(d.value, 'DNS query', 'DNS queries')} got no answer${d.subject ? ` (resolver ${d.subject})` : ''}`,
  dns_queries_outside: (d) => `${plural(d.value, 'DNS query', 'DNS queries')} to ${d.subject ?? 'resolvers'} outside the LAN`,
  conns_one_outside_service: (d) => `opened ${plural(d.value, 'connection')} to ${d.subject ?? 'one server'}${d.service ? ` (${d.service})` : ''}`,
  beacon_contacts: (d) =>
    `contacted ${d.subject ?? 'one server'}${d.service ? ` (${d.service})` : ''} every ${seconds(d.periodS ?? 0)} ± ${seconds(d.jitterS ?? 0)}, ` +
    `${count(d.value)} times in ${seconds(d.spanS ?? 0)}`,
};

/** The sentence for one evidence. */
export function describeEvidence(feature: string, detail: Detail): string {
  const sentence = SENTENCES[feature];
  return sentence ? sentence(detail) : `${feature} = ${detail.value}`;
}

/**
 * The native builder's details of one window, by host row and evidence index, for the hosts
 * that are told.
 */
export function evidenceDetails(window: FeatureWindow): Map<number, Map<number, Omit<Detail, 'value'>>> {
  const e = window.evidence;
  const byHost = new Map<number, Map<number, Omit<Detail, 'value'>>>();
  for (let i = 0; i < e.host.length; i++) {
    const host = e.host[i]!;
    let details = byHost.get(host);
    if (details === undefined) {
      details = new Map();
      byHost.set(host, details);
    }
    const period = e.periodUs[i]!;
    details.set(e.evidence[i]!, {
      subject: e.subject[i] || null,
      service: serviceText(e.protocol[i]!, e.port[i]!),
      peers: e.peers.slice(e.peerOffsets[i], e.peerOffsets[i + 1]),
      ports: Array.from(e.ports.subarray(e.portOffsets[i], e.portOffsets[i + 1])),
      periodS: period > 0 ? period / 1e6 : null,
      jitterS: period > 0 ? e.jitterUs[i]! / 1e6 : null,
      spanS: period > 0 ? e.spanUs[i]! / 1e6 : null,
    });
  }
  return byHost;
}

const NO_DETAIL: Omit<Detail, 'value'> = { subject: null, service: null, peers: [], ports: [], periodS: null, jitterS: null, spanS: null };

/**
 * A host's findings in one window: every evidence at least `REASON_MIN_TAIL` rare, the rarest
 * first, at most `MAX_REASONS`.
 */
export function findings(
  evidenceNames: readonly string[],
  values: ArrayLike<number>,
  tails: ArrayLike<number>,
  details: Map<number, Omit<Detail, 'value'>> | undefined,
): EvidenceFinding[] {
  const order = [...evidenceNames.keys()].filter((k) => tails[k]! >= REASON_MIN_TAIL && values[k]! > 0).sort((a, b) => tails[b]! - tails[a]!);
  return order.slice(0, MAX_REASONS).map((k) => {
    const detail = { ...(details?.get(k) ?? NO_DETAIL), value: values[k]! };
    return { feature: evidenceNames[k]!, tail: tails[k]!, ...detail, reason: describeEvidence(evidenceNames[k]!, detail) };
  });
}
