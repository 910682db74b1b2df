/**
 * `<vb-planes-view>`: three linked orthogonal planes of a `PlanesViewData` output, drawn on
 * 2-D canvases from the bundle's own typed arrays (cells/viz/planes-render.ts: the same pixels
 * as the headless PNG). No WebGL: any number of these views fit on a page, and the exported
 * page draws them with nothing but its inline script.
 *
 * Planes in patient LPS as radiologists read them (cells/viz/planes-geometry.ts), edges lettered.
 * Mouse: click or drag (primary button) moves the crosshair — the other two planes follow;
 * right-drag or Shift+drag sets window/level (across: width, up/down: level); the wheel steps
 * through slices. Keyboard: each plane is focusable, ↑/↓ step a slice, PgUp/PgDn ten, Home/End
 * the ends; every control has a label. The probe line reads the voxel under the pointer (the
 * crosshair's when the pointer is elsewhere): voxel index, LPS mm, value with unit, label name.
 * Line profile: with the "Profile" toggle pressed, a press-drag (or two clicks) in a plane picks
 * a segment on the slice shown; it is drawn over that plane and sampled in LPS mm by the same
 * trilinear sampler as `lineProfile` (cells/viz/line-sample.ts); an SVG chart of value against
 * distance and a readout (ends in mm LPS, length, min/max/mean) appear under the view. Escape
 * on a plane clears the line.
 */
import { LitElement, html, nothing } from 'lit';
import { indexToWorld, type Vec3 } from '../../cells/core/volume.ts';
import { profileStats, sampleLine, type LineProfile } from '../../cells/viz/line-sample.ts';
import { formatProbe, planeLayers, probeAt, type PlanesViewData } from '../../cells/viz/planes.ts';
import { indexToPixel, PLANE_NAMES, planeLayout, pixelToIndex, pointToIndex, type PlaneLayout, type PlaneName } from '../../cells/viz/planes-geometry.ts';
import { renderPlane, type PlaneLayers } from '../../cells/viz/planes-render.ts';
import { viridis } from '../../cells/viz/slice.ts';
import type { DisplayWindow } from '../../cells/viz/window-presets.ts';
import { profileChart } from './profile-chart.ts';

type Opacity = { overlay: number; labels: number; probability: number };

/** Where a plane's image sits in its canvas (device pixels). */
interface Fit {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const CROSSHAIR = 'rgba(255, 216, 77, 0.8)';
const PROFILE_LINE = '#4dd2ff'; // also the chart's line (profile-chart.ts)

/** A picked segment: its plane and its ends as continuous voxel indices on that plane's slice. */
interface PickedLine {
  readonly plane: PlaneName;
  readonly from: Vec3;
  readonly to: Vec3;
  /** True between the first and the second of two clicks. */
  readonly open: boolean;
}

export class VbPlanesView extends LitElement {
  static override properties = { planes: { attribute: false } };
  declare planes: PlanesViewData | undefined;

  #cursor: [number, number, number] = [0, 0, 0];
  #window: DisplayWindow & { id?: string } = { center: 0, width: 1 };
  #opacity: Opacity = { overlay: 0.5, labels: 0.5, probability: 0.75 };
  #hover: Vec3 | undefined;
  #layouts: Record<PlaneName, PlaneLayout> | undefined;
  #layers: PlaneLayers | undefined;
  #images = new Map<PlaneName, { canvas: HTMLCanvasElement; image: ImageData }>();
  #fits = new Map<PlaneName, Fit>();
  #profileOn = false;
  #line: PickedLine | undefined;
  #profile: LineProfile | undefined;
  #drag: { mode: 'cross' | 'wl' | 'line'; plane: PlaneName; x: number; y: number; window: DisplayWindow } | undefined;
  #resize: ResizeObserver | undefined;
  #frame = 0;
  static #ids = 0;
  readonly #id = `vb-planes-${++VbPlanesView.#ids}`;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** The crosshair's voxel (i, j, k). */
  get cursor(): Vec3 {
    return [...this.#cursor];
  }

  /** The window shown now. */
  get window(): DisplayWindow {
    return { center: this.#window.center, width: this.#window.width };
  }

  /** The profile along the picked line (LPS mm, trilinear, as `lineProfile`), or undefined. */
  get profile(): LineProfile | undefined {
    return this.#profile;
  }

  /** Whether a press in a plane picks a profile line (the "Profile" toggle). */
  get profiling(): boolean {
    return this.#profileOn;
  }

  /** Removes the picked line and its chart. */
  clearProfile(): void {
    this.#line = undefined;
    this.#profile = undefined;
    this.#changed();
  }

  /** Moves the crosshair to voxel `index` (clamped to the grid) and redraws. */
  setCursor(index: Vec3): void {
    const d = this.planes;
    if (!d) return;
    this.#cursor = [0, 1, 2].map((a) => Math.max(0, Math.min(d.dims[a]! - 1, Math.round(index[a]!)))) as [number, number, number];
    this.#changed();
  }

  /** Sets the window (width > 0) and redraws. */
  setWindow(w: DisplayWindow & { id?: string }): void {
    if (!(w.width > 0) || !Number.isFinite(w.center)) return;
    this.#window = { center: w.center, width: w.width, ...(w.id ? { id: w.id } : {}) };
    this.#layers = undefined;
    this.#changed();
  }

  /** A plane's canvas as a PNG data URL (for tests and saving). */
  capture(plane: PlaneName): string {
    this.#draw();
    const canvas = this.#canvas(plane);
    if (!canvas) throw new Error(`the ${plane} plane has no canvas yet`);
    return canvas.toDataURL('image/png');
  }

  /** The page (client) coordinates of the centre of voxel `index`'s pixel in `plane`, for tests that click it. */
  clientPoint(plane: PlaneName, index: Vec3): { x: number; y: number } {
    const layout = this.#layouts?.[plane], fit = this.#fits.get(plane), canvas = this.#canvas(plane);
    if (!layout || !fit || !canvas) throw new Error(`the ${plane} plane is not drawn yet`);
    const [c, r] = indexToPixel(layout, index);
    const box = canvas.getBoundingClientRect(), k = box.width / canvas.width;
    return { x: box.left + (fit.x + ((c + 0.5) * fit.w) / layout.width) * k, y: box.top + (fit.y + ((r + 0.5) * fit.h) / layout.height) * k };
  }

  override render() {
    const d = this.planes;
    if (!d || !this.#layouts) return nothing;
    const id = this.#id;
    const unit = d.valueUnit ? ` (${d.valueUnit})` : '';
    const preset = this.#window.id ?? 'custom';
    const reading = this.#reading();
    return html`
      <div class="vb-planes-grid">
        ${PLANE_NAMES.map((p) => this.#planeTemplate(p, this.#layouts![p]))}
      </div>
      <div class="vb-mesh-bar vb-planes-bar">
        <span class="vb-mesh-name">${d.name}</span>
        <label for=${`${id}-window`}>window</label>
        <select id=${`${id}-window`} class="vb-planes-window" @change=${(e: Event) => this.#choosePreset((e.target as HTMLSelectElement).value)}>
          ${d.windows.map((w) => html`<option value=${w.id} ?selected=${w.id === preset}>${w.label}</option>`)}
          <option value="custom" ?selected=${preset === 'custom'} disabled>custom</option>
        </select>
        <label for=${`${id}-level`}>level${unit}</label>
        <input id=${`${id}-level`} class="vb-planes-level" type="number" step="any" .value=${String(round(this.#window.center))}
          @change=${(e: Event) => this.setWindow({ center: Number((e.target as HTMLInputElement).value), width: this.#window.width })} />
        <label for=${`${id}-width`}>width${unit}</label>
        <input id=${`${id}-width`} class="vb-planes-width" type="number" step="any" min="0" .value=${String(round(this.#window.width))}
          @change=${(e: Event) => this.setWindow({ center: this.#window.center, width: Number((e.target as HTMLInputElement).value) })} />
        ${this.#opacityControl('overlay', d.overlay ? `${d.overlay.name} opacity` : undefined)}
        ${this.#opacityControl('labels', d.labels ? `${d.labels.name} opacity` : undefined)}
        ${this.#opacityControl('probability', d.probability ? `${d.probability.name} opacity` : undefined)}
        ${d.probability
          ? html`<span class="vb-planes-colorbar" role="img" aria-label=${`colour bar: viridis from ${d.probability.range[0]} to ${d.probability.range[1]}`}>
              <span>${d.probability.range[0]}</span><canvas class="vb-planes-colorbar-ramp" width="120" height="10"></canvas><span>${d.probability.range[1]}</span></span>`
          : nothing}
      </div>
      <div class="vb-mesh-bar vb-planes-bar">
        <output class="vb-planes-probe" aria-live="polite" data-index=${reading ? reading.index.join(',') : ''} data-value=${reading ? String(reading.value) : ''}
          data-label=${reading?.label?.name ?? ''}>${reading ? formatProbe(reading) : ''}</output>
        <span class="vb-spacer"></span>
        <button class="vb-button vb-button-quiet vb-planes-profile-toggle" aria-pressed=${String(this.#profileOn)}
          @click=${() => this.#toggleProfile()}>Profile</button>
        <span class="vb-mesh-hint">${this.#profileOn ? 'drag or two clicks: profile line · Esc: clear' : 'click: crosshair'} · right- or Shift-drag: window/level · wheel, ↑/↓: slice</span>
      </div>
      ${this.#profileTemplate()}
    `;
  }

  #profileTemplate() {
    const p = this.#profile, d = this.planes;
    if (!p || !d) return nothing;
    const st = profileStats(p.values);
    const unit = d.valueUnit ?? '';
    const u = unit ? ` ${unit}` : '';
    const mm = (q: Vec3) => `(${q.map((c) => c.toFixed(1)).join(', ')})`;
    const num = (x: number) => (Number.isNaN(x) ? '—' : String(round(x)));
    return html`
      <div class="vb-planes-profile" data-length-mm=${String(p.lengthMm)} data-from-mm=${p.fromMm.join(',')} data-to-mm=${p.toMm.join(',')}
        data-samples=${String(p.values.length)} data-min=${String(st.min)} data-max=${String(st.max)} data-mean=${String(st.mean)}>
        ${profileChart(p, unit)}
        <output class="vb-planes-profile-readout" aria-live="polite">${this.#line!.plane} line ${mm(p.fromMm)} → ${mm(p.toMm)} mm LPS ·
          length ${p.lengthMm.toFixed(1)} mm · min ${num(st.min)}${u} · max ${num(st.max)}${u} · mean ${num(st.mean)}${u}${p.outside ? ` · ${p.outside} of ${p.values.length} samples outside the volume` : ''}</output>
      </div>`;
  }

  #toggleProfile(): void {
    this.#profileOn = !this.#profileOn;
    if (this.#line?.open) this.#line = undefined;
    this.#changed();
  }

  /** Sets the picked line and samples it (default count: every half of the smallest spacing). */
  #setLine(line: PickedLine | undefined): void {
    const d = this.planes;
    this.#line = line;
    this.#profile = undefined;
    if (d && line && !line.open) {
      const a = indexToWorld(d, ...line.from), b = indexToWorld(d, ...line.to);
      if (Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) > 0) this.#profile = sampleLine(d, a, b);
    }
    this.#changed();
  }

  /** The continuous voxel index under a pointer event in plane `p` (clamped to the image), or undefined off the canvas's fit. */
  #pointAt(p: PlaneName, e: PointerEvent): Vec3 | undefined {
    const layout = this.#layouts?.[p], fit = this.#fits.get(p), canvas = this.#canvas(p);
    if (!layout || !fit || !canvas) return undefined;
    const box = canvas.getBoundingClientRect();
    const k = canvas.width / box.width;
    const u = (((e.clientX - box.left) * k - fit.x) / fit.w) * layout.width, v = (((e.clientY - box.top) * k - fit.y) / fit.h) * layout.height;
    const clamp = (x: number, n: number) => Math.max(0.5, Math.min(n - 0.5, x));
    return pointToIndex(layout, clamp(u, layout.width), clamp(v, layout.height), this.#cursor);
  }

  #planeTemplate(p: PlaneName, layout: PlaneLayout) {
    const id = `${this.#id}-${p}`;
    const n = this.planes!.dims[layout.sliceAxis];
    const s = this.#cursor[layout.sliceAxis];
    return html`
      <figure class="vb-plane" data-plane=${p}>
        <div class="vb-plane-box">
          <canvas class="vb-plane-canvas" data-plane=${p} tabindex="0" role="slider" aria-orientation="vertical"
            aria-valuemin="0" aria-valuemax=${n - 1} aria-valuenow=${s} aria-valuetext=${`${p} slice ${s} of ${n - 1}`}
            aria-label=${`${p} plane: arrow keys up and down change the slice`}
            @pointerdown=${(e: PointerEvent) => this.#pointerDown(p, e)}
            @pointermove=${(e: PointerEvent) => this.#pointerMove(p, e)}
            @pointerup=${(e: PointerEvent) => this.#pointerUp(e)}
            @pointercancel=${(e: PointerEvent) => this.#pointerUp(e)}
            @pointerleave=${() => this.#leave()}
            @contextmenu=${(e: Event) => e.preventDefault()}
            @wheel=${(e: WheelEvent) => this.#wheel(p, e)}
            @keydown=${(e: KeyboardEvent) => this.#key(p, e)}></canvas>
          <span class="vb-plane-edge vb-plane-top" aria-hidden="true">${layout.edges.top}</span>
          <span class="vb-plane-edge vb-plane-bottom" aria-hidden="true">${layout.edges.bottom}</span>
          <span class="vb-plane-edge vb-plane-left" aria-hidden="true">${layout.edges.left}</span>
          <span class="vb-plane-edge vb-plane-right" aria-hidden="true">${layout.edges.right}</span>
        </div>
        <figcaption>
          <label for=${id}>${p} slice</label>
          <input id=${id} class="vb-plane-slice" data-plane=${p} type="range" min="0" max=${n - 1} step="1" .value=${String(s)}
            @input=${(e: Event) => this.#setSlice(p, Number((e.target as HTMLInputElement).value))} />
          <span class="vb-plane-index">${s} / ${n - 1}</span>
        </figcaption>
      </figure>
    `;
  }

  #opacityControl(key: keyof Opacity, label: string | undefined) {
    if (!label) return nothing;
    const id = `${this.#id}-${key}-opacity`;
    return html`<label for=${id}>${label}</label>
      <input id=${id} class=${`vb-planes-opacity vb-planes-opacity-${key}`} type="range" min="0" max="1" step="0.05" .value=${String(this.#opacity[key])}
        @input=${(e: Event) => this.#setOpacity(key, Number((e.target as HTMLInputElement).value))} />`;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    const d = this.planes;
    if (changed.has('planes') && d) {
      this.#layouts = { axial: planeLayout('axial', d), coronal: planeLayout('coronal', d), sagittal: planeLayout('sagittal', d) };
      this.#cursor = [...d.cursor] as [number, number, number];
      this.#window = { ...d.window };
      this.#opacity = { overlay: d.overlay?.opacity ?? 0.5, labels: d.labels?.opacity ?? 0.5, probability: d.probability?.opacity ?? 0.75 };
      this.#layers = undefined;
      this.#images.clear();
      this.#hover = undefined;
      this.#line = undefined;
      this.#profile = undefined;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('planes')) {
      this.#observe();
      this.#drawColorbar();
    }
    this.#schedule();
  }

  /** Redraws when a canvas changes size. */
  #observe(): void {
    this.#resize?.disconnect();
    this.#resize = new ResizeObserver(() => this.#schedule());
    for (const p of PLANE_NAMES) {
      const c = this.#canvas(p);
      if (c) this.#resize.observe(c);
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Moved back into a page (its canvases kept): watch and draw again.
    if (this.#layouts && !this.#resize) {
      this.#observe();
      this.#schedule();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = undefined;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  #canvas(p: PlaneName): HTMLCanvasElement | null {
    return this.querySelector<HTMLCanvasElement>(`canvas.vb-plane-canvas[data-plane="${p}"]`);
  }

  #reading() {
    const d = this.planes;
    return d ? probeAt(d, this.#hover ?? this.#cursor) : undefined;
  }

  #changed(): void {
    this.requestUpdate();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  /** Draws the three planes, each fitted to its canvas at its aspect in mm, with the crosshair. */
  #draw(): void {
    const d = this.planes, layouts = this.#layouts;
    if (!d || !layouts) return;
    this.#layers ??= planeLayers(d, this.#window, this.#opacity);
    const dpr = window.devicePixelRatio || 1;
    for (const p of PLANE_NAMES) {
      const canvas = this.#canvas(p);
      if (!canvas) continue;
      const layout = layouts[p];
      const box = canvas.getBoundingClientRect();
      const cw = Math.max(1, Math.round(box.width * dpr)), ch = Math.max(1, Math.round(box.height * dpr));
      if (canvas.width !== cw || canvas.height !== ch) {
        canvas.width = cw;
        canvas.height = ch;
      }
      let img = this.#images.get(p);
      if (!img) {
        const off = document.createElement('canvas');
        off.width = layout.width;
        off.height = layout.height;
        img = { canvas: off, image: new ImageData(layout.width, layout.height) };
        this.#images.set(p, img);
      }
      renderPlane(this.#layers, layout, this.#cursor[layout.sliceAxis], img.image.data);
      img.canvas.getContext('2d')!.putImageData(img.image, 0, 0);
      const mmW = layout.width * layout.colSpacingMm, mmH = layout.height * layout.rowSpacingMm;
      const scale = Math.min(cw / mmW, ch / mmH);
      const fit: Fit = { w: mmW * scale, h: mmH * scale, x: (cw - mmW * scale) / 2, y: (ch - mmH * scale) / 2 };
      this.#fits.set(p, fit);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, cw, ch);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img.canvas, fit.x, fit.y, fit.w, fit.h);
      const [c, r] = indexToPixel(layout, this.#cursor);
      const x = Math.round(fit.x + ((c + 0.5) * fit.w) / layout.width) + 0.5, y = Math.round(fit.y + ((r + 0.5) * fit.h) / layout.height) + 0.5;
      ctx.strokeStyle = CROSSHAIR;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, fit.y);
      ctx.lineTo(x, fit.y + fit.h);
      ctx.moveTo(fit.x, y);
      ctx.lineTo(fit.x + fit.w, y);
      ctx.stroke();
      const line = this.#line;
      if (line && line.plane === p) {
        const at = (q: Vec3) => {
          const [u, v] = indexToPixel(layout, q);
          return [fit.x + ((u + 0.5) * fit.w) / layout.width, fit.y + ((v + 0.5) * fit.h) / layout.height] as const;
        };
        const [x0, y0] = at(line.from), [x1, y1] = at(line.to);
        // Solid on the line's own slice, dashed when the plane has moved to another.
        ctx.setLineDash(Math.round(line.from[layout.sliceAxis]) === this.#cursor[layout.sliceAxis] ? [] : [6 * dpr, 4 * dpr]);
        ctx.strokeStyle = PROFILE_LINE;
        ctx.lineWidth = 2 * dpr;
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        ctx.stroke();
        ctx.fillStyle = PROFILE_LINE;
        for (const [cx, cy] of [[x0, y0], [x1, y1]] as const) ctx.fillRect(cx - 2.5 * dpr, cy - 2.5 * dpr, 5 * dpr, 5 * dpr);
        ctx.setLineDash([]);
      }
    }
    this.dataset['drawnAt'] = String(performance.now());
    this.dataset['cursor'] = this.#cursor.join(',');
    this.dataset['window'] = `${round(this.#window.center)},${round(this.#window.width)}`;
  }

  #drawColorbar(): void {
    const bar = this.querySelector<HTMLCanvasElement>('.vb-planes-colorbar-ramp');
    if (!bar) return;
    const ctx = bar.getContext('2d')!;
    const img = ctx.createImageData(bar.width, bar.height);
    const c = [0, 0, 0];
    for (let x = 0; x < bar.width; x++) {
      viridis(x / (bar.width - 1), c);
      for (let y = 0; y < bar.height; y++) img.data.set([c[0]!, c[1]!, c[2]!, 255], 4 * (y * bar.width + x));
    }
    ctx.putImageData(img, 0, 0);
  }

  /** The voxel under a pointer event in plane `p`, or undefined outside the image. */
  #voxelAt(p: PlaneName, e: PointerEvent | MouseEvent): Vec3 | undefined {
    const layout = this.#layouts?.[p], fit = this.#fits.get(p), canvas = this.#canvas(p);
    if (!layout || !fit || !canvas) return undefined;
    const box = canvas.getBoundingClientRect();
    const k = canvas.width / box.width;
    const px = (e.clientX - box.left) * k, py = (e.clientY - box.top) * k;
    const c = Math.floor(((px - fit.x) / fit.w) * layout.width), r = Math.floor(((py - fit.y) / fit.h) * layout.height);
    if (c < 0 || r < 0 || c >= layout.width || r >= layout.height) return undefined;
    return pixelToIndex(layout, c, r, this.#cursor);
  }

  #pointerDown(p: PlaneName, e: PointerEvent): void {
    // (The canvas takes focus from the click itself, as any tabindex element: no focus ring for the mouse.)
    const canvas = e.currentTarget as HTMLCanvasElement;
    const wl = e.button === 2 || (e.button === 0 && e.shiftKey);
    if (!wl && e.button !== 0) return;
    canvas.setPointerCapture?.(e.pointerId);
    if (!wl && this.#profileOn) {
      const q = this.#pointAt(p, e);
      if (!q) return;
      const open = this.#line?.open && this.#line.plane === p ? this.#line : undefined;
      this.#drag = { mode: 'line', plane: p, x: e.clientX, y: e.clientY, window: { ...this.#window } };
      // The second of two clicks closes the open line; otherwise a new line starts here.
      this.#setLine(open ? { plane: p, from: open.from, to: q, open: false } : { plane: p, from: q, to: q, open: true });
      return;
    }
    this.#drag = { mode: wl ? 'wl' : 'cross', plane: p, x: e.clientX, y: e.clientY, window: { ...this.#window } };
    if (!wl) {
      const v = this.#voxelAt(p, e);
      if (v) this.setCursor(v);
    }
  }

  #pointerMove(p: PlaneName, e: PointerEvent): void {
    const drag = this.#drag;
    if (drag?.mode === 'wl') {
      // Across: width × e^(dx/200) (right widens); down: level − width/256 per pixel (brighter), up: higher (darker).
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      const width = Math.max(1e-6, drag.window.width * Math.exp(dx / 200));
      this.setWindow({ center: drag.window.center - (dy * drag.window.width) / 256, width });
      return;
    }
    if (drag?.mode === 'line') {
      const q = drag.plane === p ? this.#pointAt(p, e) : undefined;
      // A drag of a few pixels or more makes a line; less is a click (the first of two).
      if (q && this.#line && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) >= 3) this.#setLine({ plane: p, from: this.#line.from, to: q, open: false });
      return;
    }
    const v = this.#voxelAt(p, e);
    if (drag?.mode === 'cross' && drag.plane === p) {
      if (v) this.setCursor(v);
      return;
    }
    this.#hover = v;
    this.requestUpdate();
  }

  #pointerUp(e: PointerEvent): void {
    if (!this.#drag) return;
    (e.currentTarget as HTMLCanvasElement).releasePointerCapture?.(e.pointerId);
    this.#drag = undefined;
  }

  #leave(): void {
    if (this.#hover === undefined) return;
    this.#hover = undefined;
    this.requestUpdate();
  }

  #setSlice(p: PlaneName, s: number): void {
    const layout = this.#layouts?.[p];
    if (!layout) return;
    const next = [...this.#cursor] as [number, number, number];
    next[layout.sliceAxis] = s;
    this.setCursor(next);
  }

  #step(p: PlaneName, by: number): void {
    const layout = this.#layouts?.[p];
    if (layout) this.#setSlice(p, this.#cursor[layout.sliceAxis] + by);
  }

  #wheel(p: PlaneName, e: WheelEvent): void {
    if (e.deltaY === 0) return;
    e.preventDefault();
    this.#step(p, e.deltaY > 0 ? -1 : 1);
  }

  #key(p: PlaneName, e: KeyboardEvent): void {
    const layout = this.#layouts?.[p];
    if (!layout) return;
    const steps: Record<string, number> = { ArrowUp: 1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
    if (e.key === 'Escape' && this.#profileOn && this.#line) this.clearProfile();
    else if (e.key in steps) this.#step(p, steps[e.key]!);
    else if (e.key === 'Home') this.#setSlice(p, 0);
    else if (e.key === 'End') this.#setSlice(p, this.planes!.dims[layout.sliceAxis] - 1);
    else return;
    e.preventDefault();
  }

  #choosePreset(id: string): void {
    const w = this.planes?.windows.find((x) => x.id === id);
    if (w) this.setWindow({ id: w.id, center: w.center, width: w.width });
  }

  #setOpacity(key: keyof Opacity, value: number): void {
    this.#opacity = { ...this.#opacity, [key]: Math.max(0, Math.min(1, value)) };
    this.#layers = undefined;
    this.#changed();
  }
}

function round(x: number): number {
  return Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100;
}

customElements.define('vb-planes-view', VbPlanesView);

declare global {
  interface HTMLElementTagNameMap {
    'vb-planes-view': VbPlanesView;
  }
}
