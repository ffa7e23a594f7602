// The HTML report: ONE file, opened from disk without a server, that fetches nothing. Style and
// script are inline and pinned by a Content-Security-Policy that allows nothing else (no
// network, no other script), the data is a JSON block in the page, and every plot is drawn on
// a canvas by the inline script. Tables and text are written here, so they read without JS.
import { createHash } from 'node:crypto';

import type { CommonHosts } from '../analysis/compare.js';
import type { BotnetGroup } from '../analysis/types.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { flowsCommandsOf, memoryBudgetLines } from '../sinks/ranking-table.js';
import type { AssembledReport, HistoryReport, ReportHost, RunComparison } from './report-data.js';

/** Rows of the ranking table written into the page; the JSON and CSV outputs hold every host. */
const MAX_TABLE_ROWS = 5000;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const pad = (n: number) => String(n).padStart(2, '0');
/** `2011-08-16 09:32:30` (UTC) from µs. */
export function utcTime(us: number): string {
  const d = new Date(us / 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const score = (s: number) => s.toFixed(2);
const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;
const bytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function state(host: ReportHost): string {
  if (host.suspiciousNow) return '<span class="badge now">now</span>';
  if (host.suspiciousBefore) return '<span class="badge before">before</span>';
  // Never suspicious: nothing to flag (a badge on every harmless row only hides the few that matter).
  return '';
}

/** Suspicious hosts shown with their evidence at most (the rest are in the table, the JSON and the CSV). */
const MAX_EVIDENCE_CARDS = 50;

/**
 * The evidence to act on, first on the page: per host that reached the threshold, since when
 * and until when, its reasons (with the peers and ports behind them), the inputs it came from
 * and the command that shows its flows.
 */
function evidenceSection(report: HistoryReport): string {
  const suspicious = report.hosts.filter((h) => h.suspiciousNow || h.suspiciousBefore);
  if (suspicious.length === 0) {
    const top = report.hosts[0];
    return `<p class="empty">No host reached the threshold${top ? ` (highest: <span class="mono">${escapeHtml(top.host)}</span>, ${score(top.peakScore)})` : ''}.</p>`;
  }
  const rowOf = new Map(report.hosts.map((host, row) => [host, row]));
  const cards = suspicious.slice(0, MAX_EVIDENCE_CARDS).map((host) => {
    const first = host.firstSuspiciousWindowStartUs;
    const last = host.lastSuspiciousWindowStartUs;
    const when =
      first === null || last === null ? '' : first === last ? `suspicious in the window at ${utcTime(first)} UTC` : `suspicious from the window at ${utcTime(first)} to the one at ${utcTime(last)} UTC`;
    const commands = flowsCommandsOf(host).map((command) => `<li><code>${escapeHtml(command)}</code></li>`).join('');
    return (
      `<div class="evidence-card" data-host="${escapeHtml(host.host)}"><div class="evidence-text"><h3><span class="mono">${escapeHtml(host.host)}</span> ${state(host)} <span class="muted">peak ${score(host.peakScore)}, ${host.flows} flows (${host.botnetFlows} the flow model calls botnet)</span></h3>` +
      `<p>${escapeHtml(when)}</p>` +
      (host.reasons.length > 0 ? `<ul class="reasons-list">${host.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '<p class="muted">No evidence rare enough to tell in its peak window.</p>') +
      `<p class="muted">its flows (${host.inputs.map((i) => escapeHtml(i)).join(', ')}):</p><ul class="commands">${commands}</ul></div>` +
      `<canvas class="evidence-plot" data-row="${rowOf.get(host)}" role="img" aria-label="score over time of ${escapeHtml(host.host)}"></canvas></div>`
    );
  });
  const more = suspicious.length > MAX_EVIDENCE_CARDS ? `<p class="muted">${suspicious.length - MAX_EVIDENCE_CARDS} more suspicious hosts are in the table below.</p>` : '';
  return cards.join('\n') + more;
}

function rankingTable(report: HistoryReport): string {
  if (report.hosts.length === 0) return '<p class="empty">No host scores in the windows selected.</p>';
  // Hosts that never came close (peak under half the threshold) are folded away until asked for.
  const far = (host: ReportHost) => !host.suspiciousNow && !host.suspiciousBefore && host.peakScore < report.threshold / 2;
  const stateOf = (host: ReportHost) => (host.suspiciousNow ? 'now' : host.suspiciousBefore ? 'before' : 'never');
  const rows = report.hosts.slice(0, MAX_TABLE_ROWS).map(
    (host, row) =>
      `<tr data-row="${row}" data-state="${stateOf(host)}" data-group="${host.group ?? ''}" data-inputs="${escapeHtml(host.inputs.join('\n'))}"${far(host) ? ' data-far="1"' : ''}` +
      ` data-text="${escapeHtml([host.host, ...host.reasons].join(' ').toLowerCase())}"><td class="num">${host.rank}</td><td class="mono">${escapeHtml(host.host)}</td>` +
      `<td class="num">${score(host.score)}</td><td class="num">${score(host.peakScore)}</td><td class="mono">${utcTime(host.peakWindowStartUs)}</td>` +
      `<td class="num">${host.flows}</td><td class="num">${host.botnetFlows}</td><td>${state(host)}</td>` +
      `<td class="num">${host.group ?? ''}</td><td class="reasons">${host.reasons.map((r) => `<span>${escapeHtml(r)}</span>`).join('')}</td></tr>`,
  );
  const folded = report.hosts.slice(0, MAX_TABLE_ROWS).filter(far).length;
  const groups = [...new Set(report.hosts.map((h) => h.group).filter((g) => g !== null))].sort((a, b) => a - b);
  const inputs = [...new Set(report.hosts.flatMap((h) => h.inputs))].sort();
  const option = (value: string, label: string) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`;
  const filters =
    `<div class="filters"><input id="host-search" type="search" placeholder="search: address, reason, peer" aria-label="search hosts">` +
    `<select id="state-filter" aria-label="state">${option('', 'every state')}${option('now', 'suspicious now')}${option('before', 'suspicious before')}${option('never', 'never suspicious')}</select>` +
    (groups.length > 0 ? `<select id="group-filter" aria-label="group">${option('', 'every group')}${groups.map((g) => option(String(g), `group ${g}`)).join('')}</select>` : '') +
    (inputs.length > 1 ? `<select id="input-filter" aria-label="input">${option('', 'every input')}${inputs.map((i) => option(i, i)).join('')}</select>` : '') +
    (folded > 0 ? `<label><input id="show-far" type="checkbox"> show the ${folded} hosts that never came close (peak under ${score(report.threshold / 2)})</label>` : '') +
    `<span id="shown-count" class="muted"></span></div>`;
  const more = report.hosts.length > MAX_TABLE_ROWS ? `<p class="muted">${report.hosts.length - MAX_TABLE_ROWS} more hosts are in the JSON and CSV reports.</p>` : '';
  return (
    `${filters}<div class="table-wrap"><table id="ranking"><thead><tr><th class="num">#</th><th>host</th><th class="num">now</th><th class="num">peak</th>` +
    `<th>peak window (UTC)</th><th class="num">flows</th><th class="num">model's botnet flows</th><th>suspicious</th><th class="num">group</th><th>why (peak window)</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table></div>${more}`
  );
}

/**
 * The behaviours a group's hosts share, each told with a member's real sentence (its own numbers
 * and peers, from the highest-ranked member that shows it) and how many members show it.
 */
function sharedReasons(group: BotnetGroup, report: HistoryReport): string[] {
  const kinds = new Map<string, { count: number; example: string; host: string }>();
  const members = new Set(group.hosts);
  for (const host of report.hosts) {
    if (!members.has(host.host)) continue;
    for (const reason of host.reasons) {
      // Numbers differ from host to host; the kind of behaviour is what they share.
      const kind = reason.replace(/[\d.,]+/g, 'N');
      const known = kinds.get(kind);
      if (known) known.count++;
      else kinds.set(kind, { count: 1, example: reason, host: host.host });
    }
  }
  return [...kinds.values()]
    .filter(({ count }) => count >= 2 || members.size === 1)
    .sort((a, b) => b.count - a.count)
    .slice(0, 3)
    .map(({ count, example, host }) => `${host}: ${example}${members.size > 1 ? ` (${count} of ${members.size} hosts alike)` : ''}`);
}

function groupsSection(report: HistoryReport): string {
  if (report.groups.length === 0) return '<p class="empty">No host reached the threshold in the windows selected, so there is nothing to group.</p>';
  const { silhouette, silhouettes } = report.grouping;
  const tried = silhouettes.map((s) => `k=${s.k}: ${s.silhouette.toFixed(2)}`).join(', ');
  let rule: string;
  if (silhouette === null) rule = `${report.grouping.suspiciousHosts} suspicious host(s): too few to tell groups apart.`;
  else if (report.groups.length === 1) rule = `Silhouettes (${tried}) stay below 0.25: no clear structure, one group.`;
  else rule = `${report.groups.length} groups, chosen by silhouette (${tried}).`;
  const peakOf = new Map(report.hosts.map((h) => [h.host, h.peakScore]));
  const cards = report.groups.map((group) => {
    const peaks = group.hosts.map((h) => peakOf.get(h) ?? 0);
    const reasons = sharedReasons(group, report);
    return (
      `<div class="group"><h3>Group ${group.id}: ${group.hosts.length} host${group.hosts.length === 1 ? '' : 's'}</h3>` +
      `<p class="muted">mean peak score ${score(peaks.reduce((a, b) => a + b, 0) / Math.max(1, peaks.length))}</p>` +
      (reasons.length > 0 ? `<ul>${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '') +
      `<div class="hosts-list">${group.hosts.map((h) => `<div>${escapeHtml(h)}</div>`).join('')}</div></div>`
    );
  });
  return `<p class="muted">Suspicious hosts clustered by behaviour (k-means on standardised host-model inputs). ${escapeHtml(rule)}</p><div class="groups">${cards.join('')}</div>`;
}

/** A run's options as a person reads them: a line per option, lists joined, empty ones left out. */
function optionsList(options: Record<string, unknown>): string {
  const items = Object.entries(options)
    .filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => `<li><span class="muted">${escapeHtml(key.replaceAll('_', ' '))}</span> <span class="mono">${escapeHtml(Array.isArray(value) ? value.join(', ') : String(value))}</span></li>`);
  return `<ul class="options">${items.join('')}</ul>`;
}

function runsSection(report: HistoryReport): string {
  if (report.runs.length === 0) return '<p class="empty">No run in the selection.</p>';
  const rows = report.runs.map((run) => {
    const models = run.models.map((m) => `${m.kind} <span class="mono">${escapeHtml(m.sha256.slice(0, 12))}</span> ≥ ${m.threshold}`).join('<br>');
    const inputs = run.inputs
      .map((i) => `<span class="mono">${escapeHtml(i.path)}</span> <span class="muted">(${bytes(i.sizeBytes)}, sha256 ${escapeHtml(i.sha256.slice(0, 12))})</span>`)
      .join('<br>');
    const options = run.options === null ? '<span class="muted">encrypted</span>' : optionsList(run.options);
    const status = run.status === 'finished' ? 'finished' : run.status === 'interrupted' ? 'interrupted' : 'unfinished (no end recorded)';
    return (
      `<tr><td class="num">${run.id}</td><td class="mono">${escapeHtml(run.startedAt)}</td><td class="mono">${escapeHtml(run.finishedAt ?? '')}</td>` +
      `<td>${status}</td><td class="num">${run.windows}</td><td>flowhound ${escapeHtml(run.versions.flowhound)}, core ${escapeHtml(run.versions.core)}, schema v${run.versions.schema}</td>` +
      `<td>${models}</td><td>${inputs}</td><td>${options}</td></tr>`
    );
  });
  return (
    `<div class="table-wrap"><table id="runs"><thead><tr><th class="num">run</th><th>started</th><th>finished</th><th>status</th><th class="num">windows</th>` +
    `<th>versions</th><th>models</th><th>inputs</th><th>options</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function commonLine(label: string, common: CommonHosts, comparison: RunComparison): string {
  return (
    `<tr><td>${label}</td><td class="num">${common.left}</td><td class="num">${common.right}</td><td class="num">${common.common}</td>` +
    `<td class="num">${percent(common.leftShare)} of run ${comparison.earlierRunId}</td><td class="num">${percent(common.rightShare)} of run ${comparison.laterRunId}</td></tr>`
  );
}

function comparisonSection(comparison: RunComparison): string {
  const c = comparison;
  const common =
    `<table id="common-hosts"><thead><tr><th>hosts</th><th class="num">run ${c.earlierRunId}</th><th class="num">run ${c.laterRunId}</th><th class="num">common</th><th class="num">share of earlier</th><th class="num">share of later</th></tr></thead>` +
    `<tbody>${commonLine('suspicious (at or above the threshold in some window)', c.suspicious, c)}${commonLine('scored', c.scored, c)}</tbody></table>`;
  const shared = c.suspicious.hosts.length > 0 ? `<p>Suspicious in both: <span class="mono">${c.suspicious.hosts.map(escapeHtml).join(' ')}</span></p>` : '<p class="muted">No suspicious host in common.</p>';
  const rows = c.resemblances.map((r) => {
    const group = c.laterGroups.find((g) => g.id === r.groupId)!;
    const near = r.nearestGroupId === null ? '<td colspan="4" class="muted">no earlier group to compare with</td>' : (
      `<td class="num">${r.nearestGroupId}</td><td class="num">${r.distance!.toFixed(2)}</td>` +
      `<td class="muted">${r.distances.slice(1).map((d) => `group ${d.groupId}: ${d.distance.toFixed(2)}`).join(', ')}</td>` +
      `<td>${r.common!.common} of ${group.hosts.length} (${percent(r.common!.leftShare)})${r.common!.common > 0 ? ` <span class="mono">${r.common!.hosts.map(escapeHtml).join(' ')}</span>` : ''}</td>`
    );
    return `<tr><td class="num">${r.groupId}</td><td class="num">${group.hosts.length}</td>${near}</tr>`;
  });
  const groups = rows.length === 0
    ? '<p class="muted">The later run has no group (no suspicious host).</p>'
    : `<table id="resemblance"><thead><tr><th class="num">group of run ${c.laterRunId}</th><th class="num">hosts</th><th class="num">nearest group of run ${c.earlierRunId}</th><th class="num">distance</th><th>other groups</th><th>hosts in both</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
      '<p class="muted">Distance: between the groups\' mean behaviours, in standard deviations per feature (log scale, standardised over both runs). 0 is the same behaviour; about 1 or more, unrelated.</p>';
  return `<p>Run ${c.earlierRunId} (earlier) against run ${c.laterRunId}.</p>${common}${shared}<h3>Which earlier group each new group resembles</h3>${groups}`;
}

function addressNotice(report: HistoryReport): string {
  if (report.addresses === 'hmac') {
    return '<p class="notice">This history is encrypted. Hosts are shown as <code>hmac:</code> and the start of a keyed hash of their address; the same host has the same label throughout. Set FLOWHOUND_PASSPHRASE when making the report to see addresses.</p>';
  }
  if (report.addresses === 'decrypted') return '<p class="muted">Addresses were decrypted with the history\'s passphrase: keep this file as private as the captures.</p>';
  return '';
}

/** Base64 of the score matrix (the page decodes it with atob). */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** JSON that cannot close the script element it sits in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The windows the memory budget touched (a flood): their scores rest on part of their flows' rows. */
function memoryBudgetNotice(report: HistoryReport): string {
  const lines = memoryBudgetLines(report.windows);
  if (lines.length === 0) return '';
  const items = lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return `<div class="notice"><p>The memory budget (--memcap) was reached in ${lines.length} window${lines.length === 1 ? '' : 's'}: flows were evicted early, and flow rows past a window's share were left unscored (they still count in their hosts' rows).</p><ul>${items}</ul></div>`;
}

/** Score plots drawn at most, and at least (when that many hosts exist). */
const MAX_PLOTS = 20;
const MIN_PLOTS = 6;

/** Hosts plotted: those that came close (suspicious, or a peak of half the threshold), at least a few, at most 20. */
function plotHosts(report: HistoryReport): number {
  const close = report.hosts.filter((h) => h.suspiciousNow || h.suspiciousBefore || h.peakScore >= report.threshold / 2).length;
  return Math.min(report.hosts.length, MAX_PLOTS, Math.max(MIN_PLOTS, close));
}

/** Rows of the heatmap at least: the top of the ranking; with every suspicious host beyond it. */
const HEATMAP_TOP_ROWS = 40;

/** The heatmap's rows: every host that reached the threshold, and the top of the ranking (they come first in rank order). */
function heatmapRows(report: HistoryReport): number {
  const suspicious = report.hosts.filter((h) => h.suspiciousNow || h.suspiciousBefore).length;
  return Math.min(report.hosts.length, Math.max(suspicious, HEATMAP_TOP_ROWS));
}

export function renderReportHtml(assembled: AssembledReport, flowhoundVersion: string): string {
  const { report, heat } = assembled;
  const pageData = {
    threshold: report.threshold,
    windowStartsUs: report.windowStartsUs,
    windows: report.windows,
    hosts: report.hosts.map((h) => ({
      host: h.host,
      rank: h.rank,
      score: h.score,
      peakScore: h.peakScore,
      peakWindowStartUs: h.peakWindowStartUs,
      state: h.suspiciousNow ? 'now' : h.suspiciousBefore ? 'before' : 'never',
    })),
    heat: base64(heat),
    heatmapRows: heatmapRows(report),
    plotHosts: plotHosts(report),
  };
  const span =
    report.windowStartsUs.length > 0
      ? `${utcTime(report.windowStartsUs[0]!)} to ${utcTime(report.windowStartsUs[report.windowStartsUs.length - 1]!)} UTC (window starts)`
      : 'no windows';
  const suspiciousNow = report.hosts.filter((h) => h.suspiciousNow).length;
  const suspiciousBefore = report.hosts.filter((h) => h.suspiciousBefore).length;
  const thresholdText = report.thresholds.length > 1 ? `${report.thresholds.join(', ')} (most windows: ${report.threshold})` : String(report.threshold);
  const title = `flowhound report: ${report.hosts.length} hosts, ${report.windowStartsUs.length} windows`;
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(PAGE_SCRIPT)}`,
    `style-src ${cspHash(PAGE_STYLE)}`,
    "img-src 'none'",
    "connect-src 'none'",
    "font-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="flowhound ${escapeHtml(flowhoundVersion)}">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>flowhound: which LAN hosts look infected</h1>
<p>${report.hosts.length} hosts over ${report.windowStartsUs.length} windows, ${escapeHtml(span)}; ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}.
<strong>${suspiciousNow}</strong> suspicious in the last window, <strong>${suspiciousBefore}</strong> suspicious before but not now; threshold ${escapeHtml(thresholdText)}.</p>
${addressNotice(report)}
${memoryBudgetNotice(report)}
<nav class="muted"><a href="#evidence">suspicious hosts</a><a href="#hosts">ranking</a><a href="#plots-section">score over time</a><a href="#heatmap-section">heatmap</a><a href="#groups">botnet groups</a>${report.comparison ? '<a href="#comparison">comparison</a>' : ''}<a href="#runs-section">runs and inputs</a></nav>
<noscript><p class="notice">The plots and the heatmap are drawn by the page's own script; allow it to see them.</p></noscript>
</header>
<section id="evidence"><h2>Suspicious hosts and their evidence</h2>
${evidenceSection(report)}
</section>
<section id="hosts"><h2>Ranked hosts</h2>
<p class="muted"><span class="badge now">now</span> hosts at or above the threshold in the last window (${report.nowWindowStartUs === null ? '—' : `${utcTime(report.nowWindowStartUs)} UTC`}) come first, by that window's score; then every other host by its peak score (<span class="badge before">before</span>: above the threshold earlier, not now). Flows are counted once over the windows selected; the reasons are the peak window's. Click a row to plot the host.</p>
${rankingTable(report)}
</section>
<section id="plots-section"><h2>Score over time</h2>
<p class="muted">The ${plotHosts(report)} highest-ranked hosts (those that came close to the threshold, at least ${MIN_PLOTS}, at most ${MAX_PLOTS}), in the colour of their state, over the windows' start times (UTC); the dashed line is the threshold, gaps are windows without traffic of the host. Hosts clicked in the table or the heatmap are added first.</p>
<div id="pinned-plots" class="plots"></div>
<div id="plots" class="plots"></div>
</section>
<section id="heatmap-section"><h2>Hosts × windows</h2>
<p class="muted">${heatmapRows(report) < report.hosts.length ? `The ${heatmapRows(report)} first hosts of the ranking (every suspicious host, and the top), of ${report.hosts.length}` : 'One row per host'} in rank order, one column per window (times UTC). Hover for the values, click for the host's plot.</p>
<div class="legend"><span>0</span><canvas id="legend"></canvas><span>1</span><span>· grey: no traffic</span></div>
<div id="heatmap-wrap"><canvas id="heatmap" role="img" aria-label="scores of hosts by window"></canvas></div>
<h3>Suspicious hosts per window</h3>
<canvas id="windows-chart" role="img" aria-label="suspicious hosts per window"></canvas>
</section>
<section id="groups"><h2>Botnet groups</h2>
${groupsSection(report)}
</section>
${report.comparison ? `<section id="comparison"><h2>Comparison of runs</h2>\n${comparisonSection(report.comparison)}\n</section>` : ''}
<section id="runs-section"><h2>Runs and inputs</h2>
${runsSection(report)}
</section>
<footer>Made by flowhound ${escapeHtml(flowhoundVersion)} on ${escapeHtml(report.generatedAt)} from <span class="mono">${escapeHtml(report.database)}</span>. This page is self-contained: it loads nothing from the network.</footer>
<div id="tooltip"></div>
<script type="application/json" id="report-data">${scriptJson(pageData)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
