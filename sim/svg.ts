// A minimal SVG line chart (no dependencies): x values shared by every series.
export interface Series { name: string; values: number[] }

export function lineChart(title: string, xLabel: string, yLabel: string, xs: number[], series: Series[]): string {
  const W = 560, H = 320, L = 60, R = 150, T = 30, B = 45;
  const all = series.flatMap((s) => s.values);
  const yMin = Math.min(0, ...all), yMax = Math.max(...all) * 1.1 || 1;
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const px = (x: number) => L + ((x - xMin) / (xMax - xMin || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((y - yMin) / (yMax - yMin)) * (H - T - B);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2 - R / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${xLabel}</text>`, `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">${yLabel}</text>`];
  for (let k = 0; k <= 4; k++) {
    const y = yMin + ((yMax - yMin) * k) / 4;
    out.push(`<text x="${L - 4}" y="${py(y) + 4}" text-anchor="end">${(y * 100).toFixed(1)}%</text>`, `<line x1="${L}" y1="${py(y)}" x2="${W - R}" y2="${py(y)}" stroke="#ddd"/>`);
  }
  for (const x of xs) out.push(`<text x="${px(x)}" y="${H - B + 14}" text-anchor="middle">${x}</text>`);
  series.forEach((s, i) => {
    const c = colors[i % colors.length];
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.values.map((v, j) => `${px(xs[j]!).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<text x="${W - R + 8}" y="${T + 14 + i * 16}" fill="${c}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
