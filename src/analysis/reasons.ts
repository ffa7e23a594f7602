// Why a host scored high, in words: the host model's inputs that pushed its score most
// (measured by putting each back to the window's typical value and scoring again), each
// told as a sentence with the host's own numbers.

/** A host's model inputs by name. */
export type HostValues = Record<string, number>;

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (share: number) => `${Math.round(share * 100)}%`;
const bytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${Math.round(n)} B`);
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${Math.round(n) === 1 ? one : many}`;

const smtp = (v: HostValues) => `${plural(v.smtp_flows!, 'SMTP connection attempt')} to ${plural(v.distinct_smtp_servers!, 'server')}`;
const failed = (v: HostValues) => `${percent(v.tcp_failed_share!)} of the TCP connections it opened failed or were reset`;
const beacon = (v: HostValues) =>
  v.beacon_pairs! > 0
    ? `contacts ${plural(v.beacon_pairs!, 'destination')} at regular intervals (variation ${v.beacon_min_cv!.toFixed(2)})`
    : `repeated contacts at near-regular intervals (variation ${v.beacon_min_cv!.toFixed(2)})`;
const botnetFlows = (v: HostValues) => `${plural(v.botnet_flows!, 'flow')} (${percent(v.botnet_flow_share!)}) look like botnet traffic to the flow model`;
const traffic = (v: HostValues) => `sent ${bytes(v.bytes_up!)}, received ${bytes(v.bytes_down!)}`;

/** A sentence per model input; inputs that say the same thing share a sentence. */
const SENTENCES: Record<string, (v: HostValues) => string> = {
  flows_initiated: (v) => `opened ${plural(v.flows_initiated!, 'flow')} to ${plural(v.distinct_dst_addrs!, 'address', 'addresses')}`,
  distinct_dst_addrs: (v) => `opened ${plural(v.flows_initiated!, 'flow')} to ${plural(v.distinct_dst_addrs!, 'address', 'addresses')}`,
  flows_received: (v) => `received ${plural(v.flows_received!, 'flow')} from ${plural(v.distinct_src_addrs!, 'address', 'addresses')}`,
  distinct_src_addrs: (v) => `received ${plural(v.flows_received!, 'flow')} from ${plural(v.distinct_src_addrs!, 'address', 'addresses')}`,
  distinct_dst_ports: (v) => `used ${plural(v.distinct_dst_ports!, 'destination port')} (entropy ${v.dst_port_entropy_bits!.toFixed(1)} bits)`,
  dst_port_entropy_bits: (v) => `used ${plural(v.distinct_dst_ports!, 'destination port')} (entropy ${v.dst_port_entropy_bits!.toFixed(1)} bits)`,
  unanswered_share: (v) => `${percent(v.unanswered_share!)} of the flows it opened got no answer`,
  tcp_failed_share: failed,
  smtp_flows: smtp,
  distinct_smtp_servers: smtp,
  smtp_share: smtp,
  dns_flows: (v) => `${plural(v.dns_flows!, 'DNS flow')} (${percent(v.dns_share!)} of the flows it opened)`,
  dns_share: (v) => `${plural(v.dns_flows!, 'DNS flow')} (${percent(v.dns_share!)} of the flows it opened)`,
  irc_flows: (v) => `${plural(v.irc_flows!, 'IRC connection')}`,
  irc_share: (v) => `${plural(v.irc_flows!, 'IRC connection')}`,
  icmp_flows: (v) => `${plural(v.icmp_flows!, 'ICMP flow')} (${percent(v.icmp_share!)} of the flows it opened)`,
  icmp_share: (v) => `${plural(v.icmp_flows!, 'ICMP flow')} (${percent(v.icmp_share!)} of the flows it opened)`,
  web_share: (v) => `${percent(v.web_share!)} of the flows it opened went to web ports`,
  bytes_up: traffic,
  bytes_down: traffic,
  bytes_up_share: (v) => `${percent(v.bytes_up_share!)} of its bytes were sent, not received`,
  pkts_total: (v) => `${plural(v.pkts_total!, 'packet')} in its flows`,
  mean_flow_duration_s: (v) => `its flows last ${v.mean_flow_duration_s!.toFixed(1)} s on average`,
  mean_bytes_per_flow: (v) => `${bytes(v.mean_bytes_per_flow!)} per flow on average`,
  beacon_pairs: beacon,
  beacon_min_cv: beacon,
  flow_score_max: (v) => `its most suspicious flow scores ${v.flow_score_max!.toFixed(2)}`,
  flow_score_mean: (v) => `its flows score ${v.flow_score_mean!.toFixed(2)} on average with the flow model`,
  botnet_flows: botnetFlows,
  botnet_flow_share: botnetFlows,
};

export function describeInput(name: string, values: HostValues): string {
  const sentence = SENTENCES[name];
  return sentence ? sentence(values) : `${name} = ${values[name]}`;
}

/**
 * The sentences for the inputs with the largest positive contributions (score drops when the
 * input is put back to its typical value), most important first, without repeating a sentence.
 * Only inputs above typical are told: "it did less than others" explains nothing to a reader.
 */
export function reasonsFrom(
  names: readonly string[],
  values: HostValues,
  contributions: ArrayLike<number>,
  typical: ArrayLike<number>,
  most = 3,
): string[] {
  const order = [...names.keys()]
    .filter((i) => contributions[i]! > 0.005 && values[names[i]!]! > typical[i]!)
    .sort((a, b) => contributions[b]! - contributions[a]!);
  const reasons: string[] = [];
  for (const i of order) {
    const sentence = describeInput(names[i]!, values);
    if (!reasons.includes(sentence)) reasons.push(sentence);
    if (reasons.length === most) break;
  }
  return reasons;
}
