/**
 * The small SVG chart under the planes view's picked line: value (with unit) against distance
 * along the line (mm), one polyline per run of samples inside the volume (a gap where they
 * leave it), two axes with a few round ticks. No dependency: lit's `svg` templates only.
 */
import { svg } from 'lit';
import { profileStats, type LineProfile } from '../../cells/viz/line-sample.ts';

/** About `count` round tick values (1, 2 or 5 × 10ⁿ apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / count, p = 10 ** Math.floor(Math.log10(raw));
  // The round step nearest the raw one on a log scale.
  const step = [1, 2, 5, 10].map((m) => m * p).reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
  return out;
}

const W = 640, H = 170, L = 56, R = 12, T = 10, B = 34;

/** The chart of `p`, values labelled `unit` ('' for none). */
export function profileChart(p: LineProfile, unit: string) {
  const st = profileStats(p.values);
  const lo = st.defined ? st.min : 0, hi = st.defined ? (st.max > st.min ? st.max : st.min + 1) : 1;
  const x = (d: number) => L + (d / (p.lengthMm || 1)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const runs: string[] = [];
  let run: string[] = [];
  for (let s = 0; s < p.values.length; s++) {
    const v = p.values[s]!;
    if (Number.isNaN(v)) {
      if (run.length) runs.push(run.join(' '));
      run = [];
    } else run.push(`${x(p.distancesMm[s]!).toFixed(1)},${y(v).toFixed(1)}`);
  }
  if (run.length) runs.push(run.join(' '));
  const xt = niceTicks(0, p.lengthMm), yt = niceTicks(lo, hi, 4);
  const label = `value${unit ? ` (${unit})` : ''}`;
  return svg`
    <svg class="vb-profile-chart" viewBox="0 0 ${W} ${H}" role="img"
      aria-label=${`line profile: ${label} against distance along the line, 0 to ${p.lengthMm.toFixed(1)} mm`}>
      <g class="vb-profile-axes" stroke="currentColor" fill="currentColor" font-size="11">
        <line x1=${L} y1=${H - B} x2=${W - R} y2=${H - B} />
        <line x1=${L} y1=${T} x2=${L} y2=${H - B} />
        ${xt.map((t) => svg`<line x1=${x(t)} y1=${H - B} x2=${x(t)} y2=${H - B + 4} /><text x=${x(t)} y=${H - B + 15} text-anchor="middle" stroke="none">${t}</text>`)}
        ${yt.map((t) => svg`<line x1=${L - 4} y1=${y(t)} x2=${L} y2=${y(t)} /><line class="vb-profile-grid" x1=${L} y1=${y(t)} x2=${W - R} y2=${y(t)} /><text x=${L - 6} y=${y(t) + 4} text-anchor="end" stroke="none">${t}</text>`)}
        <text x=${(L + W - R) / 2} y=${H - 3} text-anchor="middle" stroke="none">distance along the line (mm)</text>
        <text transform=${`translate(12 ${(T + H - B) / 2}) rotate(-90)`} text-anchor="middle" stroke="none">${label}</text>
      </g>
      ${runs.map((pts) => svg`<polyline class="vb-profile-line" points=${pts} fill="none" stroke="#4dd2ff" stroke-width="1.5" />`)}
    </svg>`;
}
