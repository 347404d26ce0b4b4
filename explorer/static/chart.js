// The score-over-versions chart: a small inline SVG line chart (no library, works offline).
// One circle.point per version, each with a <title> tooltip; y spans the scores' own range.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** points: [{ x: version, y: score, label }] in version order. */
export function scoreChart(points, { width = 640, height = 240, yLabel = 'score' } = {}) {
  const pad = { l: 56, r: 16, t: 14, b: 34 };
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', id: 'score-chart', role: 'img', 'aria-label': `${yLabel} by version` });
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, xMin + 1);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMin === yMax) { yMin -= 1; yMax += 1; }
  const span = yMax - yMin;
  yMin -= span * 0.1;
  yMax += span * 0.1;
  const X = (v) => pad.l + ((v - xMin) / (xMax - xMin)) * (width - pad.l - pad.r);
  const Y = (v) => height - pad.b - ((v - yMin) / (yMax - yMin)) * (height - pad.t - pad.b);

  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    svg.append(el('line', { class: 'grid', x1: pad.l, x2: width - pad.r, y1: Y(v), y2: Y(v) }));
    svg.append(el('text', { x: pad.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, String(Math.round(v))));
  }
  svg.append(el('line', { class: 'axis', x1: pad.l, x2: width - pad.r, y1: height - pad.b, y2: height - pad.b }));
  for (const x of xs) svg.append(el('text', { x: X(x), y: height - pad.b + 16, 'text-anchor': 'middle' }, `v${x}`));
  svg.append(el('text', { x: width / 2, y: height - 4, 'text-anchor': 'middle' }, 'version'));
  svg.append(el('polyline', { points: points.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ') }));
  for (const p of points) {
    const c = el('circle', { class: 'point', cx: X(p.x), cy: Y(p.y), r: 5, 'data-version': p.x, 'data-score': p.y });
    c.append(el('title', {}, `${p.label ? `${p.label} ` : ''}v${p.x}: ${yLabel} ${p.y}`));
    svg.append(c);
  }
  return svg;
}
