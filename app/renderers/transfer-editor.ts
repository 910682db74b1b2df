/**
 * `<vb-transfer-editor>`: the opacity/colour transfer function of a volume rendering as a small
 * SVG panel, editable. Under the curve, the volume's value histogram (log counts, every k-th
 * voxel read, at most 2^20; computed once per voxel array). The curve is the opacity (0..1,
 * per mm) against the value (the volume's unit, e.g. HU), piecewise linear; each point is drawn
 * in its colour and the area under the curve is filled with the colour ramp.
 *
 * Editing (app/renderers/transfer-geometry.ts keeps values increasing and opacity in [0, 1]):
 * - mouse: drag a point (x = value, y = opacity); double-click in the plot adds a point there
 *   (in the colour the function has at that value); click selects;
 * - keyboard: each point is focusable (Tab), named "opacity point at 300 HU, 0.15";
 *   ←/→ move its value by 1/200 of the axis (rounded), ↑/↓ its opacity by 0.01, Shift ×10;
 *   Delete or Backspace removes it (two points always stay);
 * - the colour input sets the selected point's colour; "Reset curve" asks for the preset back.
 *
 * Properties: `transfer` (the function drawn now), `rangeValue` (the volume's [min, max]),
 * `data` (the voxels, for the histogram), `unit` ('HU' or ''). Events (not bubbling):
 * `transfer-input` (`CustomEvent<TransferFunction>`, on every change, in the nodes' form of
 * transfer-geometry.ts: opacity and colour on the same values) and `transfer-reset`.
 * The x axis spans the volume's value range widened to hold every point; it stays put while
 * the editor's own edits come back as `transfer`, and is measured again when another function
 * arrives (a preset, a window change).
 */
import { LitElement, html, svg, nothing } from 'lit';
import { ParameterError } from '../../cells/core/errors.ts';
import type { VoxelArray } from '../../cells/core/volume.ts';
import type { TransferFunction } from '../../cells/viz/volume-presets.ts';
import {
  addNode, formatValue, hexRgb, keySteps, logHeights, moveNode, nodeLabel, nodesTransfer, opacityToY, recolorNode,
  removeNode, rgbHex, tickValues, transferDomain, transferNodes, valueHistogram, valueToX, xToValue, yToOpacity,
  type Domain, type PlotBox, type TransferNode,
} from './transfer-geometry.ts';

/** Histogram bins across the volume's value range. */
const BINS = 256;
const HEIGHT = 150;
const MARGIN = { left: 34, right: 12, top: 10, bottom: 22 } as const;

interface Histogram {
  readonly heights: Float64Array;
  readonly lo: number;
  readonly hi: number;
  readonly stride: number;
  readonly ms: number;
}

/** One histogram per voxel array, however many times a view is drawn. */
const histograms = new WeakMap<VoxelArray, Histogram>();

function histogramOf(data: VoxelArray, range: readonly [number, number]): Histogram | undefined {
  if (!(range[1] > range[0])) return undefined;
  const known = histograms.get(data);
  if (known && known.lo === range[0] && known.hi === range[1]) return known;
  const t0 = performance.now();
  const h = valueHistogram(data, range, BINS);
  const made: Histogram = { heights: logHeights(h.counts), lo: h.lo, hi: h.hi, stride: h.stride, ms: performance.now() - t0 };
  histograms.set(data, made);
  return made;
}

/** Whether two transfer functions have the same points (to 1e-9 relative). */
function sameTransfer(a: TransferFunction | undefined, b: TransferFunction | undefined): boolean {
  if (!a || !b) return false;
  const same = (p: readonly (readonly number[])[], q: readonly (readonly number[])[]) =>
    p.length === q.length && p.every((row, i) => row.length === q[i]!.length && row.every((x, c) => Math.abs(x - q[i]![c]!) <= 1e-9 * (1 + Math.abs(x))));
  return same(a.opacity, b.opacity) && same(a.color, b.color);
}

export class VbTransferEditor extends LitElement {
  static override properties = {
    transfer: { attribute: false },
    rangeValue: { attribute: false },
    data: { attribute: false },
    unit: {},
  };
  declare transfer: TransferFunction | undefined;
  declare rangeValue: readonly [number, number] | undefined;
  declare data: VoxelArray | undefined;
  declare unit: string | undefined;

  #nodes: TransferNode[] = [];
  #domain: Domain = [0, 1];
  #selected = -1;
  /** The last function sent out: when it comes back as `transfer`, the axis is kept. */
  #sent: TransferFunction | undefined;
  #histogram: Histogram | undefined;
  #width = 600;
  #drag: number | undefined;
  #problem = '';
  #resize: ResizeObserver | undefined;
  static #ids = 0;
  readonly #id = `vb-tf-${++VbTransferEditor.#ids}`;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** The editor's points now (value, opacity 0..1, colour), for tests. */
  get nodes(): readonly TransferNode[] {
    return this.#nodes;
  }

  /** The x axis's value range now. */
  get domain(): Domain {
    return this.#domain;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver((entries) => {
      // The content box: the panel's padding is outside the plot.
      const w = Math.floor(entries[entries.length - 1]!.contentRect.width);
      if (w > 0 && w !== this.#width) {
        this.#width = w;
        this.requestUpdate();
      }
    });
    this.#resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = undefined;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if ((changed.has('data') || changed.has('rangeValue')) && this.data && this.rangeValue) {
      this.#histogram = histogramOf(this.data, this.rangeValue);
      if (this.#histogram) this.dataset['histogramMs'] = this.#histogram.ms.toFixed(1);
    }
    if ((changed.has('transfer') || changed.has('rangeValue')) && this.transfer && this.rangeValue) {
      try {
        const nodes = transferNodes(this.transfer);
        if (!sameTransfer(this.transfer, this.#sent) || changed.has('rangeValue')) {
          this.#domain = transferDomain(this.rangeValue, nodes);
          this.#drag = undefined;
        }
        this.#nodes = nodes;
        if (this.#selected >= nodes.length) this.#selected = -1;
        this.#problem = '';
      } catch (err) {
        if (!(err instanceof ParameterError)) throw err;
        this.#nodes = [];
        this.#problem = err.message;
      }
      this.dataset['points'] = String(this.#nodes.length);
    }
  }

  #box(): PlotBox {
    return { width: Math.max(120, this.#width), height: HEIGHT, ...MARGIN };
  }

  override render() {
    const box = this.#box();
    const domain = this.#domain;
    const unit = this.unit || undefined;
    const nodes = this.#nodes;
    const selected = nodes[this.#selected];
    const plotW = box.width - box.left - box.right, plotH = box.height - box.top - box.bottom;
    const gradientId = `${this.#id}-ramp`;
    const xs = nodes.map((n) => valueToX(n.value, domain, box));
    const ys = nodes.map((n) => opacityToY(n.opacity, box));
    const curve = nodes.length
      ? [`M${box.left},${ys[0]!}`, ...xs.map((x, i) => `L${x},${ys[i]!}`), `L${box.width - box.right},${ys[ys.length - 1]!}`].join('')
      : '';
    const area = nodes.length ? `${curve}L${box.width - box.right},${box.top + plotH}L${box.left},${box.top + plotH}Z` : '';
    const ticks = tickValues(domain, Math.max(2, Math.floor(plotW / 70)));
    return html`
      <svg class="vb-tf-svg" width=${box.width} height=${box.height} viewBox=${`0 0 ${box.width} ${box.height}`}
        role="group" aria-label=${`transfer function: ${nodes.length} opacity points${unit ? ` in ${unit}` : ''}`}
        @pointermove=${(e: PointerEvent) => this.#pointerMove(e)}
        @pointerup=${(e: PointerEvent) => this.#pointerUp(e)}
        @pointercancel=${(e: PointerEvent) => this.#pointerUp(e)}>
        <defs>
          <linearGradient id=${gradientId} gradientUnits="userSpaceOnUse" x1=${box.left} y1="0" x2=${box.width - box.right} y2="0">
            ${nodes.map((n, i) => svg`<stop offset=${Math.min(1, Math.max(0, (xs[i]! - box.left) / plotW))} stop-color=${rgbHex(n.color)}></stop>`)}
          </linearGradient>
          <clipPath id=${`${this.#id}-clip`}><rect x=${box.left} y=${box.top - 8} width=${plotW} height=${plotH + 16}></rect></clipPath>
        </defs>
        <rect class="vb-tf-plot" x=${box.left} y=${box.top} width=${plotW} height=${plotH}
          @dblclick=${(e: MouseEvent) => this.#add(e)} @pointerdown=${() => this.#select(-1)}></rect>
        ${ticks.map((t) => {
          const x = valueToX(t, domain, box);
          return svg`<line class="vb-tf-grid" x1=${x} x2=${x} y1=${box.top} y2=${box.top + plotH}></line>
            <text class="vb-tf-tick" x=${x} y=${box.height - 6} text-anchor="middle">${formatValue(t, domain)}</text>`;
        })}
        ${[0, 0.5, 1].map((a) => svg`<text class="vb-tf-tick" x=${box.left - 5} y=${opacityToY(a, box) + 3.5} text-anchor="end">${a}</text>`)}
        <g clip-path=${`url(#${this.#id}-clip)`} pointer-events="none">
          <path class="vb-tf-area" d=${area} fill=${`url(#${gradientId})`}></path>
          ${this.#histogramPath(box)}
          <path class="vb-tf-curve" d=${curve}></path>
        </g>
        ${nodes.map((n, i) => svg`<circle class=${i === this.#selected ? 'vb-tf-point vb-tf-selected' : 'vb-tf-point'}
          cx=${xs[i]!} cy=${ys[i]!} r="6" fill=${rgbHex(n.color)} tabindex="0" role="slider"
          aria-label=${nodeLabel(n, domain, unit)} aria-valuemin="0" aria-valuemax="1" aria-valuenow=${n.opacity.toFixed(2)}
          aria-valuetext=${`${formatValue(n.value, domain, unit)}, opacity ${n.opacity.toFixed(2)}`}
          @pointerdown=${(e: PointerEvent) => this.#pointerDown(i, e)}
          @focus=${() => this.#select(i)}
          @keydown=${(e: KeyboardEvent) => this.#key(i, e)}></circle>`)}
      </svg>
      <div class="vb-tf-bar">
        <span class="vb-tf-readout">${selected ? `${formatValue(selected.value, domain, unit)} · opacity ${selected.opacity.toFixed(2)}` : 'no point selected'}</span>
        <label for=${`${this.#id}-colour`}>point colour</label>
        <input id=${`${this.#id}-colour`} class="vb-tf-colour" type="color" .value=${selected ? rgbHex(selected.color) : '#000000'} ?disabled=${!selected}
          @input=${(e: Event) => this.#recolour((e.target as HTMLInputElement).value)} />
        <span class="vb-tf-hint">drag a point · double-click adds · Delete removes · arrows move (Shift ×10)</span>
        ${this.#problem ? html`<span class="vb-mesh-problem">${this.#problem}</span>` : nothing}
        <span class="vb-spacer"></span>
        <button class="vb-button vb-button-quiet" @click=${() => this.dispatchEvent(new CustomEvent('transfer-reset'))}>Reset curve</button>
      </div>
    `;
  }

  /** The histogram as one filled path of bins (heights 0..1 of the plot's height, log counts). */
  #histogramPath(box: PlotBox) {
    const h = this.#histogram;
    if (!h) return nothing;
    const base = box.top + (box.height - box.top - box.bottom);
    const plotH = base - box.top;
    const w = (h.hi - h.lo) / h.heights.length;
    const parts = [`M${valueToX(h.lo, this.#domain, box)},${base}`];
    for (let b = 0; b < h.heights.length; b++) {
      const y = base - h.heights[b]! * plotH;
      parts.push(`L${valueToX(h.lo + b * w, this.#domain, box)},${y}L${valueToX(h.lo + (b + 1) * w, this.#domain, box)},${y}`);
    }
    parts.push(`L${valueToX(h.hi, this.#domain, box)},${base}Z`);
    return svg`<path class="vb-tf-histogram" d=${parts.join('')} pointer-events="none"><title>${`value histogram (log counts${h.stride > 1 ? `, every ${h.stride}th voxel` : ''})`}</title></path>`;
  }

  #commit(nodes: TransferNode[]): void {
    this.#nodes = nodes;
    const tf = nodesTransfer(nodes);
    this.#sent = tf;
    this.dataset['points'] = String(nodes.length);
    this.requestUpdate();
    this.dispatchEvent(new CustomEvent<TransferFunction>('transfer-input', { detail: tf }));
  }

  #select(i: number): void {
    if (i === this.#selected) return;
    this.#selected = i;
    this.requestUpdate();
  }

  /** Focuses point `i` once the panel has drawn (its circle is the i-th: circles are drawn in order). */
  async #focus(i: number): Promise<void> {
    await this.updateComplete;
    this.querySelectorAll<SVGCircleElement>('circle.vb-tf-point')[i]?.focus();
  }

  /** The pointer's place in the panel's own pixels. */
  #at(e: MouseEvent): { x: number; y: number } {
    const r = this.querySelector('svg.vb-tf-svg')!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  #pointerDown(i: number, e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    this.#select(i);
    this.#drag = i;
    (e.currentTarget as Element).closest('svg')?.setPointerCapture?.(e.pointerId);
    void this.#focus(i);
  }

  #pointerMove(e: PointerEvent): void {
    const i = this.#drag;
    if (i === undefined || !this.#nodes[i]) return;
    const { x, y } = this.#at(e);
    const box = this.#box();
    this.#commit(moveNode(this.#nodes, i, xToValue(x, this.#domain, box), yToOpacity(y, box), this.#domain));
  }

  #pointerUp(e: PointerEvent): void {
    if (this.#drag === undefined) return;
    this.#drag = undefined;
    (e.currentTarget as Element).releasePointerCapture?.(e.pointerId);
  }

  #add(e: MouseEvent): void {
    const { x, y } = this.#at(e);
    const box = this.#box();
    const added = addNode(this.#nodes, xToValue(x, this.#domain, box), yToOpacity(y, box), this.#domain);
    if (!added) return;
    this.#selected = added.index;
    this.#commit(added.nodes);
    void this.#focus(added.index);
  }

  #key(i: number, e: KeyboardEvent): void {
    const n = this.#nodes[i];
    if (!n) return;
    const step = keySteps(this.#domain);
    const k = e.shiftKey ? 10 : 1;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step.value * k, 0],
      ArrowRight: [step.value * k, 0],
      ArrowUp: [0, step.opacity * k],
      ArrowDown: [0, -step.opacity * k],
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      // Opacity to 1/1000, so ten steps of 0.01 land on round numbers.
      const opacity = Math.round((n.opacity + move[1]) * 1000) / 1000;
      this.#commit(moveNode(this.#nodes, i, n.value + move[0], opacity, this.#domain));
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && this.#nodes.length > 2) {
      e.preventDefault();
      const next = Math.min(i, this.#nodes.length - 2);
      this.#selected = next;
      this.#commit(removeNode(this.#nodes, i));
      void this.#focus(next);
    }
  }

  #recolour(hex: string): void {
    if (!this.#nodes[this.#selected]) return;
    this.#commit(recolorNode(this.#nodes, this.#selected, hexRgb(hex)));
  }
}

customElements.define('vb-transfer-editor', VbTransferEditor);

declare global {
  interface HTMLElementTagNameMap {
    'vb-transfer-editor': VbTransferEditor;
  }
}
