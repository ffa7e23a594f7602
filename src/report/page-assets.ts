// The style and the script of the HTML report, inlined into the page (which fetches nothing).
// The script only draws: the heatmap, the score plots and the per-window chart on canvases,
// from the JSON the page carries; tables and text are written as HTML by html.ts. It is plain
// ES2017 kept in a string (the project's TypeScript has no DOM types); when everything on
// screen is drawn it sets `window.__reportDrawnMs` (ms since navigation start), which the tests
// and bench/report-render.mjs wait for.

export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --now: #b3001b; --before: #b26b00; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 0 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 18px 0 8px; border-bottom: 1px solid var(--line); margin-bottom: 8px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 0 0 6px; }
p { margin: 4px 0; }
.muted { color: var(--muted); }
.notice { background: #fff8e1; border: 1px solid #f1d27a; padding: 6px 10px; border-radius: 4px; margin: 8px 0; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); position: sticky; top: 0; z-index: 1; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { max-height: 560px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
#ranking tbody tr { cursor: pointer; }
#ranking tbody tr:hover { background: #eef4ff; }
#ranking tbody tr.selected { background: #dde9ff; }
#ranking tbody tr.hidden { display: none; }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 6px 0; }
#host-search { width: 280px; padding: 3px 6px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px; color: #fff; white-space: nowrap; }
.badge.now { background: var(--now); }
.badge.before { background: var(--before); }
.badge.never { background: #8a939e; }
td.reasons { color: var(--muted); max-width: 520px; }
td.reasons span + span::before { content: " · "; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
.plot { border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; }
.plot canvas { width: 100%; height: 132px; display: block; }
.plot .title { display: flex; justify-content: space-between; gap: 8px; font-size: 13px; }
.plot .title strong { white-space: nowrap; }
#heatmap-wrap { position: relative; overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
#heatmap { display: block; image-rendering: pixelated; }
#tooltip { position: fixed; pointer-events: none; background: rgba(20,24,30,.92); color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 12px; display: none; z-index: 10; }
.legend { display: flex; align-items: center; gap: 8px; margin: 6px 0; font-size: 12px; color: var(--muted); }
#legend { width: 220px; height: 12px; border: 1px solid var(--line); }
#windows-chart { width: 100%; height: 122px; display: block; }
.groups { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.group { border: 1px solid var(--line); border-left: 4px solid var(--now); border-radius: 4px; padding: 8px 10px; }
.group ul { margin: 4px 0 0; padding-left: 18px; }
#runs code { word-break: break-all; }
ul.options { list-style: none; margin: 0; padding: 0; }
ul.options .mono { word-break: break-all; }
.hosts-list { columns: 2; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.empty { color: var(--muted); font-style: italic; }
.evidence-card { border: 1px solid #e0e0e0; border-left: 4px solid #c62828; border-radius: 4px; padding: 4px 12px; margin: 8px 0;
  display: grid; grid-template-columns: minmax(0, 1fr) 420px; column-gap: 16px; }
.evidence-card .evidence-text { min-width: 0; }
.evidence-card h3 { margin: 4px 0; font-size: 15px; }
.evidence-card h3 .mono { font-size: 15px; }
.evidence-card .evidence-plot { width: 420px; height: 132px; display: block; align-self: center; }
@media (max-width: 1000px) { .evidence-card { grid-template-columns: 1fr; } }
.evidence-card ul { margin: 4px 0; }
.evidence-card code { font-size: 12px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
`;

export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  // When the HTML above (tables and text) has been parsed and the drawing starts.
  window.__reportScriptStartMs = performance.now();
  var TOP_PLOTS = 20;
  var ABSENT = 255;
  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (error) {
    console.error('flowhound report: cannot read the embedded data: ' + error);
    return;
  }
  var starts = data.windowStartsUs;
  var hosts = data.hosts;
  var W = starts.length;
  // The heatmap's rows: the suspicious hosts and the top of the ranking (html.ts says how many).
  var H = Math.min(hosts.length, data.heatmapRows || hosts.length);
  var heat = decodeBase64(data.heat);
  var tooltip = document.getElementById('tooltip');

  function decodeBase64(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  // 'HH:MM', with ':SS' when the time is not on the minute (windows every 150 s start at :30).
  function timeLabel(us, withDate) {
    var d = new Date(us / 1000);
    var hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + (d.getUTCSeconds() ? ':' + pad(d.getUTCSeconds()) : '');
    return withDate ? d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + hm : hm;
  }
  // The step between windows: the smallest gap between two window starts.
  var STEP_US = 0;
  for (var sc = 1; sc < W; sc++) {
    var gap = starts[sc] - starts[sc - 1];
    if (gap > 0 && (STEP_US === 0 || gap < STEP_US)) STEP_US = gap;
  }
  if (STEP_US === 0) STEP_US = 150e6;

  // ------------------------------------------------------------ the date-time axis (UTC)
  // Ticks at round UTC times (every 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; 1, 2, 7 days),
  // the finest whose labels fit; a label is the time of day, and under it the date where the
  // day changes (and at the first label). A label that would touch the one before is left out.
  var MINUTE = 60e6, HOUR = 3600e6, DAY = 86400e6;
  var TICK_STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];
  function dateText(us) {
    var d = new Date(us / 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
  }
  /**
   * Draws the axis under a plot: xOf maps µs to px; [t0, t1] the times shown; y the axis line.
   * Returns the labels drawn ({tick, x, width, time, text, date}: the tick's x, the label's
   * box), which the canvas keeps in data-axis.
   */
  function drawTimeAxis(context, xOf, t0, t1, y, left, right, gridTop) {
    context.font = '10px system-ui, sans-serif';
    var timeWidth = context.measureText('00:00').width, dateWidth = context.measureText('0000-00-00').width;
    var span = Math.max(t1 - t0, 1);
    var pxPerUs = (xOf(t1) - xOf(t0)) / span;
    var step = TICK_STEPS[TICK_STEPS.length - 1];
    for (var i = 0; i < TICK_STEPS.length; i++) {
      var daily = TICK_STEPS[i] >= DAY;
      if (TICK_STEPS[i] * pxPerUs >= (daily ? dateWidth : timeWidth) + 14) { step = TICK_STEPS[i]; break; }
    }
    var daily = step >= DAY;
    var labels = [];
    var lastRight = -Infinity, lastDate = null;
    context.textBaseline = 'top';
    for (var t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      var x = Math.round(xOf(t)) + 0.5;
      if (x < left - 0.5 || x > right + 0.5) continue;
      if (gridTop !== null) {
        context.strokeStyle = '#eef0f3'; context.lineWidth = 1;
        context.beginPath(); context.moveTo(x, gridTop); context.lineTo(x, y); context.stroke();
      }
      context.fillStyle = '#8a929c';
      context.fillRect(x - 0.5, y, 1, 4);
      var date = dateText(t);
      var text = daily ? date : timeLabel(t, false);
      var withDate = !daily && date !== lastDate;
      var width = Math.max(context.measureText(text).width, withDate ? dateWidth : 0);
      var at = Math.min(Math.max(x - width / 2, left), right - width);
      if (at < lastRight + 6) continue;
      context.fillStyle = '#5b6470';
      context.fillText(text, at + (width - context.measureText(text).width) / 2, y + 5);
      if (withDate) context.fillText(date, at + (width - dateWidth) / 2, y + 17);
      labels.push({ tick: x, x: Math.round(at), width: Math.round(width), time: t, text: text, date: withDate ? date : null });
      lastRight = at + width;
      if (withDate || daily) lastDate = date;
    }
    return labels;
  }
  function keepAxis(canvas, labels) {
    canvas.dataset.axis = JSON.stringify(labels);
  }
  var T0 = W > 0 ? starts[0] : 0, T1 = W > 0 ? starts[W - 1] : 0;
  // Within one UTC day the axes carry the date; titles give the time of day only.
  var oneDay = W > 0 && dateText(T0) === dateText(T1 + STEP_US - 1);
  /** The window whose start is nearest before (or at) time t, else the first; -1 with none. */
  function nearestWindow(t) {
    if (W === 0) return -1;
    var lo = 0, hi = W - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= t) lo = mid; else hi = mid - 1;
    }
    if (lo + 1 < W && starts[lo + 1] - t < t - starts[lo]) lo++;
    return lo;
  }

  // Colour of a score: pale yellow (0) through orange to dark red (1); no row: light grey.
  var STOPS = [[0, 255, 255, 229], [0.3, 254, 224, 139], [0.5, 253, 174, 97], [0.7, 244, 109, 67], [0.85, 215, 48, 39], [1, 140, 0, 30]];
  var LUT = new Uint8ClampedArray(256 * 4);
  for (var q = 0; q < 256; q++) {
    var rgb;
    if (q === ABSENT) rgb = [238, 240, 243];
    else {
      var v = q / 254;
      var s = 1;
      while (s < STOPS.length - 1 && STOPS[s][0] < v) s++;
      var a = STOPS[s - 1], b = STOPS[s];
      var f = (v - a[0]) / (b[0] - a[0]);
      rgb = [a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f, a[3] + (b[3] - a[3]) * f];
    }
    LUT[q * 4] = rgb[0]; LUT[q * 4 + 1] = rgb[1]; LUT[q * 4 + 2] = rgb[2]; LUT[q * 4 + 3] = 255;
  }

  function sizeCanvas(canvas, cssWidth, cssHeight) {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(cssWidth * ratio));
    canvas.height = Math.max(1, Math.round(cssHeight * ratio));
    canvas.style.width = cssWidth + 'px';
    canvas.style.height = cssHeight + 'px';
    var context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return context;
  }

  function showTooltip(event, text) {
    tooltip.textContent = text;
    tooltip.style.display = 'block';
    tooltip.style.left = (event.clientX + 14) + 'px';
    tooltip.style.top = (event.clientY + 10) + 'px';
  }
  function hideTooltip() { tooltip.style.display = 'none'; }

  // ------------------------------------------------------------ heatmap: hosts (rank order) x windows
  function drawHeatmap() {
    var canvas = document.getElementById('heatmap');
    if (!canvas || W === 0 || H === 0) return;
    var wrap = document.getElementById('heatmap-wrap');
    var labelWidth = 0;
    var cellH = Math.max(1, Math.min(16, Math.floor(900 / H)));
    if (cellH >= 10) labelWidth = 130;
    var avail = Math.max(200, wrap.clientWidth - 14 - labelWidth);
    var cellW = Math.max(1, Math.min(48, Math.floor(avail / W)));
    var axis = 32;
    var plotW = cellW * W, plotH = cellH * H;
    var context = sizeCanvas(canvas, labelWidth + plotW, plotH + axis);
    var image = new ImageData(W, H);
    var pixels = image.data;
    for (var i = 0, n = W * H; i < n; i++) {
      var q = heat[i] * 4;
      pixels[i * 4] = LUT[q]; pixels[i * 4 + 1] = LUT[q + 1]; pixels[i * 4 + 2] = LUT[q + 2]; pixels[i * 4 + 3] = 255;
    }
    var cells = document.createElement('canvas');
    cells.width = W; cells.height = H;
    cells.getContext('2d').putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, labelWidth + plotW, plotH + axis);
    context.drawImage(cells, labelWidth, 0, plotW, plotH);
    context.fillStyle = '#1b1f24';
    context.font = '11px system-ui, sans-serif';
    context.textBaseline = 'middle';
    if (labelWidth > 0) {
      for (var r = 0; r < H; r++) context.fillText(hosts[r].host, 2, r * cellH + cellH / 2, labelWidth - 6);
    }
    // Columns are windows: a time is placed in the column of the window starting at most a
    // step before it; a time between windows far apart (a gap in the capture) has no place.
    var columnOf = function (t) {
      var lo = 0, hi = W - 1;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= t) lo = mid; else hi = mid - 1;
      }
      var into = (t - starts[lo]) / STEP_US;
      return into >= 0 && into <= 1 ? lo + into : NaN;
    };
    var heatX = function (t) { return labelWidth + columnOf(t) * cellW; };
    var heatTicks = drawTimeAxis(context, function (t) {
      var x = heatX(t);
      // A time no column holds is placed outside, where no tick is drawn.
      return isNaN(x) ? -1e9 : x;
    }, T0, T1 + STEP_US, plotH, labelWidth, labelWidth + plotW, null);
    keepAxis(canvas, heatTicks);
    canvas.addEventListener('mousemove', function (event) {
      var box = canvas.getBoundingClientRect();
      var x = event.clientX - box.left - labelWidth, y = event.clientY - box.top;
      var col = Math.floor(x / cellW), row = Math.floor(y / cellH);
      if (col < 0 || col >= W || row < 0 || row >= H) { hideTooltip(); return; }
      var q = heat[row * W + col];
      showTooltip(event, '#' + (row + 1) + ' ' + hosts[row].host + ' · ' + timeLabel(starts[col], true) + ' UTC · ' + (q === ABSENT ? 'no traffic' : 'score ' + (q / 254).toFixed(2)));
    });
    canvas.addEventListener('mouseleave', hideTooltip);
    canvas.addEventListener('click', function (event) {
      var box = canvas.getBoundingClientRect();
      var row = Math.floor((event.clientY - box.top) / cellH);
      if (row >= 0 && row < H) pinPlot(row);
    });
    var legend = document.getElementById('legend');
    if (legend) {
      var lc = sizeCanvas(legend, 220, 12);
      for (var x = 0; x < 220; x++) {
        var k = Math.round(x / 219 * 254) * 4;
        lc.fillStyle = 'rgb(' + LUT[k] + ',' + LUT[k + 1] + ',' + LUT[k + 2] + ')';
        lc.fillRect(x, 0, 1, 12);
      }
    }
  }

  // ------------------------------------------------------------ score over time, one host
  // A host's line in the colour of its state: red suspicious now, amber before, grey never.
  function stateColour(host) {
    return host.state === 'now' ? '#b3001b' : host.state === 'before' ? '#b26b00' : '#6b7480';
  }

  function drawPlot(canvas, row) {
    var cssW = canvas.clientWidth || 400, cssH = 132;
    var context = sizeCanvas(canvas, cssW, cssH);
    var left = 30, right = 8, top = 6, bottom = 30;
    var w = cssW - left - right, h = cssH - top - bottom;
    context.fillStyle = '#fff'; context.fillRect(0, 0, cssW, cssH);
    context.strokeStyle = '#d8dde3'; context.lineWidth = 1;
    context.fillStyle = '#5b6470'; context.font = '10px system-ui, sans-serif';
    for (var g = 0; g <= 2; g++) {
      var gy = top + h - g * h / 2;
      context.beginPath(); context.moveTo(left, gy + 0.5); context.lineTo(left + w, gy + 0.5); context.stroke();
      context.fillText((g / 2).toFixed(1), 4, gy + 3);
    }
    // x is time: windows far apart (a gap in the capture) are drawn far apart.
    var timeX = function (t) { return left + (T1 === T0 ? w / 2 : (t - T0) * w / (T1 - T0)); };
    var xOf = function (c) { return timeX(starts[c]); };
    var yOf = function (s) { return top + h - s * h; };
    keepAxis(canvas, drawTimeAxis(context, timeX, T0, T1, top + h, left, left + w, top));
    context.font = '10px system-ui, sans-serif';
    context.strokeStyle = '#b3001b'; context.setLineDash([4, 3]);
    context.beginPath(); context.moveTo(left, yOf(data.threshold)); context.lineTo(left + w, yOf(data.threshold)); context.stroke();
    context.setLineDash([]);
    var base = row * W, drawing = false, previous = -1;
    context.strokeStyle = stateColour(hosts[row]); context.lineWidth = 1.5;
    context.beginPath();
    for (var c = 0; c < W; c++) {
      var q = heat[base + c];
      if (q === ABSENT) { drawing = false; continue; }
      var x = xOf(c), y = yOf(q / 254);
      // Consecutive windows are joined; across a gap in the capture the line breaks.
      if (drawing && starts[c] - starts[previous] <= STEP_US) context.lineTo(x, y); else context.moveTo(x, y);
      drawing = true;
      previous = c;
    }
    context.stroke();
    context.fillStyle = stateColour(hosts[row]);
    for (c = 0; c < W; c++) {
      q = heat[base + c];
      if (q === ABSENT) continue;
      if (W <= 120 || q / 254 >= data.threshold) context.fillRect(xOf(c) - 1.5, yOf(q / 254) - 1.5, 3, 3);
    }
    canvas.dataset.drawn = 'true';
    canvas.addEventListener('mousemove', function (event) {
      var box = canvas.getBoundingClientRect();
      var col = nearestWindow(T0 + (event.clientX - box.left - left) / w * (T1 - T0));
      if (col < 0 || event.clientX - box.left < left - 4 || event.clientX - box.left > left + w + 4) { hideTooltip(); return; }
      var q = heat[base + col];
      showTooltip(event, hosts[row].host + ' · ' + timeLabel(starts[col], true) + ' UTC · ' + (q === ABSENT ? 'no traffic' : 'score ' + (q / 254).toFixed(2)));
    });
    canvas.addEventListener('mouseleave', hideTooltip);
  }

  function plotCard(row) {
    var host = hosts[row];
    var card = document.createElement('div');
    card.className = 'plot';
    card.id = 'plot-' + row;
    var title = document.createElement('div');
    title.className = 'title';
    var name = document.createElement('strong');
    name.textContent = '#' + host.rank + ' ' + host.host;
    var info = document.createElement('span');
    info.className = 'muted';
    info.textContent = 'now ' + host.score.toFixed(2) + ' · peak ' + host.peakScore.toFixed(2) + ' at ' + timeLabel(host.peakWindowStartUs, !oneDay) + ' UTC';
    title.appendChild(name); title.appendChild(info);
    var canvas = document.createElement('canvas');
    canvas.className = 'score-plot';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'score over time of ' + host.host);
    card.appendChild(title); card.appendChild(canvas);
    return card;
  }

  function pinPlot(row) {
    var existing = document.getElementById('plot-' + row);
    if (!existing) {
      existing = plotCard(row);
      var pinned = document.getElementById('pinned-plots');
      pinned.insertBefore(existing, pinned.firstChild);
      drawPlot(existing.querySelector('canvas'), row);
    }
    existing.scrollIntoView({ block: 'nearest' });
  }

  // Each evidence card's host, plotted beside its evidence.
  function drawEvidencePlots() {
    var canvases = document.querySelectorAll('#evidence canvas.evidence-plot');
    for (var i = 0; i < canvases.length; i++) drawPlot(canvases[i], Number(canvases[i].dataset.row));
  }

  function drawTopPlots() {
    var container = document.getElementById('plots');
    if (!container) return;
    var count = Math.min(TOP_PLOTS, hosts.length, data.plotHosts || TOP_PLOTS);
    var fragment = document.createDocumentFragment();
    for (var row = 0; row < count; row++) fragment.appendChild(plotCard(row));
    container.appendChild(fragment);
    var canvases = container.querySelectorAll('canvas.score-plot');
    for (var i = 0; i < canvases.length; i++) drawPlot(canvases[i], i);
  }

  // ------------------------------------------------------------ suspicious hosts per window
  function drawWindowsChart() {
    var canvas = document.getElementById('windows-chart');
    if (!canvas || W === 0) return;
    var cssW = canvas.clientWidth || 800, cssH = 122;
    var context = sizeCanvas(canvas, cssW, cssH);
    var left = 34, bottom = 30, top = 6;
    var w = cssW - left - 8, h = cssH - top - bottom;
    var most = 1;
    for (var c = 0; c < W; c++) most = Math.max(most, data.windows[c].suspiciousHosts);
    context.fillStyle = '#5b6470'; context.font = '10px system-ui, sans-serif';
    context.fillText(String(most), 4, top + 8);
    context.fillText('0', 4, top + h);
    // A bar per window, from its start for a step's width, on the time axis.
    var end = T1 + STEP_US;
    var timeX = function (t) { return left + (t - T0) * w / (end - T0); };
    var barW = STEP_US * w / (end - T0);
    keepAxis(canvas, drawTimeAxis(context, timeX, T0, end, top + h, left, left + w, null));
    context.fillStyle = '#b3001b';
    for (c = 0; c < W; c++) {
      var bh = data.windows[c].suspiciousHosts / most * h;
      context.fillRect(timeX(starts[c]), top + h - bh, Math.max(1, barW - (barW > 3 ? 1 : 0)), bh);
    }
    canvas.addEventListener('mousemove', function (event) {
      var box = canvas.getBoundingClientRect();
      var at = T0 + (event.clientX - box.left - left) * (end - T0) / w;
      var col = nearestWindow(at);
      if (col < 0 || at < starts[col] || at > starts[col] + STEP_US) { hideTooltip(); return; }
      var summary = data.windows[col];
      showTooltip(event, timeLabel(starts[col], true) + ' UTC · ' + summary.suspiciousHosts + ' suspicious of ' + summary.hosts + ' hosts · max ' + summary.maxScore.toFixed(2));
    });
    canvas.addEventListener('mouseleave', hideTooltip);
  }

  function wireTable() {
    var body = document.querySelector('#ranking tbody');
    if (!body) return;
    body.addEventListener('click', function (event) {
      var tr = event.target.closest('tr');
      if (!tr || !tr.dataset.row) return;
      var previous = body.querySelector('tr.selected');
      if (previous) previous.classList.remove('selected');
      tr.classList.add('selected');
      pinPlot(Number(tr.dataset.row));
    });
  }

  // The search box and the filters: a row shows when it holds the text searched for (its
  // address, reasons and peers) and matches the state, group and input chosen; hosts that never
  // came close show only when asked for, or when searched for.
  function wireFilters() {
    var body = document.querySelector('#ranking tbody');
    var search = document.getElementById('host-search');
    if (!body || !search) return;
    var state = document.getElementById('state-filter');
    var group = document.getElementById('group-filter');
    var input = document.getElementById('input-filter');
    var showFar = document.getElementById('show-far');
    var count = document.getElementById('shown-count');
    var rows = Array.prototype.slice.call(body.querySelectorAll('tr'));
    function apply() {
      var query = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (tr) {
        var visible = (!query || tr.dataset.text.indexOf(query) >= 0) &&
          (!state || !state.value || tr.dataset.state === state.value) &&
          (!group || !group.value || tr.dataset.group === group.value) &&
          (!input || !input.value || tr.dataset.inputs.split('\n').indexOf(input.value) >= 0) &&
          (!tr.dataset.far || query || (showFar && showFar.checked));
        tr.classList.toggle('hidden', !visible);
        if (visible) shown++;
      });
      if (count) count.textContent = shown + ' of ' + rows.length + ' hosts shown';
    }
    [search, state, group, input, showFar].forEach(function (element) {
      if (element) element.addEventListener('input', apply);
    });
    apply();
  }

  try {
    wireFilters();
    wireTable();
    drawHeatmap();
    drawWindowsChart();
    drawTopPlots();
    drawEvidencePlots();
  } catch (error) {
    console.error('flowhound report: drawing failed: ' + (error && error.stack || error));
    return;
  }
  requestAnimationFrame(function () {
    window.__reportDrawnMs = performance.now();
    document.documentElement.setAttribute('data-drawn', 'true');
  });
})();
`;
