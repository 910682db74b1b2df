/**
 * `<vb-mesh-scene>`: several meshes in one 3D view (`MeshSceneData`, layout `'view'`) or four
 * renders for a pyramid-reflector display (layout `'four'`), over vtk.js in one WebGL context.
 *
 * View: per-part colour and opacity, a legend with a visibility checkbox per part, a clipping
 * plane (axis + position in mm), a two-point distance (turn "Measure" on, click two points on the
 * surface; vtkCellPicker, a CPU ray cast on the triangles) and an orientation cube lettered in LPS
 * (L/R on ±x, P/A on ±y, S/I on ±z). Left-drag rotates, wheel zooms, shift-drag pans.
 *
 * Four-view: a square on black, views in the middle of each edge around an empty centre: as drawn
 * by vtk.js, anterior at the top, the patient's left at the right, posterior at the bottom, the
 * patient's right at the left, each with superior pointing away from the centre; the canvas is then
 * flipped top to bottom (CSS, and the same flip in the PNG export), so that on a phone-style
 * inverted pyramid every face shows its view upright and not mirrored (a 45° plate reflects the
 * screen: the outer edge of a view appears at the top, left and right are kept).
 */
import '@kitware/vtk.js/Rendering/Profiles/Geometry.js';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor.js';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper.js';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer.js';
import vtkCellPicker from '@kitware/vtk.js/Rendering/Core/CellPicker.js';
import vtkAnnotatedCubeActor from '@kitware/vtk.js/Rendering/Core/AnnotatedCubeActor.js';
import vtkOrientationMarkerWidget from '@kitware/vtk.js/Interaction/Widgets/OrientationMarkerWidget.js';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
import vtkPlane from '@kitware/vtk.js/Common/DataModel/Plane.js';
import vtkSphereSource from '@kitware/vtk.js/Filters/Sources/SphereSource.js';
import { LitElement, html, nothing } from 'lit';
import type { MeshPartData, MeshSceneData } from '../../kernel/protocol.ts';
import { trianglesToCellArray, vertexColors } from './mesh-geometry.ts';
import { aimAnteriorThreeQuarter, setColors, styleSurface } from './mesh-view.ts';
import { BudgetedView } from './budgeted-view.ts';
import { VIEW_BACKGROUND, type CameraState, type VtkHost } from './vtk-host.ts';
import { sceneBounds, FOUR_VIEW_CAMERAS, FOUR_VIEW_VIEWPORTS, distanceMm, type Vec3 } from './mesh-scene-geometry.ts';

type Actor = ReturnType<typeof vtkActor.newInstance>;
type Mapper = ReturnType<typeof vtkMapper.newInstance>;
type Renderer = ReturnType<typeof vtkRenderer.newInstance>;

/** Clipping axes offered, LPS. */
const CLIP_AXES = [
  { value: 'none', label: 'no clipping' },
  { value: '0', label: 'R → L (x)' },
  { value: '1', label: 'A → P (y)' },
  { value: '2', label: 'I → S (z)' },
] as const;

export class VbMeshScene extends LitElement {
  static override properties = { scene: { attribute: false } };
  declare scene: MeshSceneData | undefined;

  /** The render window under the page's WebGL budget (created when on or near the screen). */
  readonly #gl = new BudgetedView({
    element: this,
    container: () => this.querySelector<HTMLElement>('.vb-mesh-canvas'),
    background: [0, 0, 0],
    build: (host) => {
      this.#setUpWindow(host);
      this.#populate();
    },
    cameras: () => this.#renderers,
    resetCameras: () => this.#aim(),
    draw: (host) => {
      this.#marker?.updateMarkerOrientation();
      host.render();
    },
    released: () => {
      this.#marker?.setEnabled(false);
      this.#marker = undefined;
      this.#renderers = [];
      this.#actors = [];
      this.#mappers = [];
      this.#pickMarkers = [];
      this.#picked = [];
    },
  });
  #renderers: Renderer[] = [];
  #actors: Actor[] = [];
  #mappers: Mapper[] = [];
  #visible: boolean[] = [];
  #marker: ReturnType<typeof vtkOrientationMarkerWidget.newInstance> | undefined;
  #problem = '';
  /** The scene's parts as vtk.js cells and colours, checked when the scene arrives. */
  #built: { polys: Uint32Array; colors: Uint8Array | undefined }[] | undefined;
  #bounds: [number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0];
  #clipAxis: 'none' | '0' | '1' | '2' = 'none';
  #clipMm = 0;
  #measuring = false;
  #picked: Vec3[] = [];
  #pickMarkers: Actor[] = [];
  #down: { x: number; y: number } | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  get #four(): boolean {
    return this.scene?.layout === 'four';
  }

  override render() {
    const scene = this.scene;
    if (!scene) return nothing;
    const name = scene.name;
    if (this.#four) {
      return html`
        <div class="vb-mesh-canvas vb-four-canvas" role="img" aria-label=${`${name}: four views for a pyramid display (${scene.parts.map((p) => p.name).join(', ')})`}></div>
        <div class="vb-mesh-bar">
          <span class="vb-mesh-name">${name}</span>
          <span class="vb-mesh-info">${partsText(scene.parts)}</span>
          ${this.#problem ? html`<span class="vb-mesh-problem">${this.#problem}</span>` : ''}
          <span class="vb-spacer"></span>
          <button class="vb-button vb-button-quiet vb-four-png" @click=${() => void this.#downloadPng()}>Save PNG</button>
        </div>
      `;
    }
    const axis = this.#clipAxis;
    const [lo, hi] = axis === 'none' ? [0, 0] : [this.#bounds[2 * Number(axis)]!, this.#bounds[2 * Number(axis) + 1]!];
    const distance = this.#picked.length === 2 ? distanceMm(this.#picked[0]!, this.#picked[1]!) : undefined;
    return html`
      <div class="vb-mesh-canvas" role="img" aria-label=${`${name}: ${scene.parts.map((p) => p.name).join(', ')}`}
        @pointerdown=${(e: PointerEvent) => (this.#down = { x: e.clientX, y: e.clientY })}
        @pointerup=${(e: PointerEvent) => this.#maybePick(e)}></div>
      <div class="vb-mesh-legend" role="group" aria-label="Parts">
        ${scene.parts.map((p, i) => html`
          <label class="vb-mesh-part">
            <input type="checkbox" .checked=${this.#visible[i] ?? true} @change=${(e: Event) => this.setPartVisible(i, (e.target as HTMLInputElement).checked)} />
            <span class="vb-mesh-swatch" style=${`background: rgb(${p.color.join(',')}); opacity: ${Math.max(0.35, p.opacity)}`}></span>
            <span>${p.name}</span>
            <span class="vb-mesh-info">${p.triangles.toLocaleString('en-US')} triangles${p.opacity < 1 ? ` · opacity ${p.opacity}` : ''}</span>
          </label>`)}
      </div>
      <div class="vb-mesh-bar">
        <span class="vb-mesh-name">${name}</span>
        <label>Clip <select class="vb-mesh-clip-axis" aria-label="Clipping plane axis" @change=${(e: Event) => this.setClip((e.target as HTMLSelectElement).value as typeof axis)}>
          ${CLIP_AXES.map((a) => html`<option value=${a.value} ?selected=${a.value === axis}>${a.label}</option>`)}
        </select></label>
        ${axis === 'none' ? '' : html`
          <input class="vb-mesh-clip-position" type="range" aria-label="Clipping plane position (mm)" min=${lo} max=${hi} step="any" .value=${String(this.#clipMm)}
            @input=${(e: Event) => this.setClip(axis, Number((e.target as HTMLInputElement).value))} />
          <span class="vb-mesh-info">${this.#clipMm.toFixed(1)} mm</span>`}
        <button class="vb-button vb-button-quiet vb-mesh-measure" aria-pressed=${String(this.#measuring)} @click=${() => this.#toggleMeasure()}>Measure</button>
        <output class="vb-mesh-distance" aria-live="polite" data-distance-mm=${distance === undefined ? '' : distance.toFixed(3)}>${
          distance !== undefined ? `${distance.toFixed(1)} mm` : this.#measuring ? `click point ${this.#picked.length + 1} of 2` : ''
        }</output>
        ${this.#problem ? html`<span class="vb-mesh-problem">${this.#problem}</span>` : ''}
        <span class="vb-spacer"></span>
        <button class="vb-button vb-button-quiet" @click=${() => this.resetCamera()}>Reset view</button>
      </div>
    `;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('scene')) this.#show();
  }

  /** Shows or hides part `index` (the legend's checkboxes call this). */
  setPartVisible(index: number, visible: boolean): void {
    this.#visible[index] = visible;
    this.#actors[index]?.setVisibility(visible);
    this.#render();
    this.requestUpdate();
  }

  /** Clips every part by the plane `axis` = `mm` (LPS), keeping the side towards +axis; 'none' removes it. */
  setClip(axis: 'none' | '0' | '1' | '2', mm?: number): void {
    const changedAxis = axis !== this.#clipAxis;
    this.#clipAxis = axis;
    if (axis !== 'none') {
      const a = Number(axis);
      const lo = this.#bounds[2 * a]!, hi = this.#bounds[2 * a + 1]!;
      this.#clipMm = Math.min(hi, Math.max(lo, mm ?? (changedAxis ? (lo + hi) / 2 : this.#clipMm)));
    }
    this.#applyClip();
    this.#render();
    this.requestUpdate();
  }

  /** The clipping plane as set, on every part's mapper. */
  #applyClip(): void {
    const axis = this.#clipAxis;
    for (const mapper of this.#mappers) {
      mapper.removeAllClippingPlanes();
      if (axis !== 'none') {
        const normal: Vec3 = [0, 0, 0];
        normal[Number(axis)] = 1;
        const origin: Vec3 = [0, 0, 0];
        origin[Number(axis)] = this.#clipMm;
        mapper.addClippingPlane(vtkPlane.newInstance({ normal, origin }));
      }
    }
  }

  /** Where the world point `p` (LPS mm) is drawn, in CSS pixels of the page (for tests). */
  clientPointOf(p: Vec3): { x: number; y: number } {
    const view = this.#gl.host?.view;
    const renderer = this.#renderers[0];
    if (!view || !renderer) throw new Error('the mesh view has not been created');
    const api = view.getApiSpecificRenderWindow() as unknown as { getSize(): number[]; worldToDisplay(x: number, y: number, z: number, r: Renderer): number[] };
    const [w, h] = api.getSize();
    const [dx, dy] = api.worldToDisplay(p[0], p[1], p[2], renderer);
    const rect = view.getContainer()!.getBoundingClientRect();
    return { x: rect.left + (dx / w) * rect.width, y: rect.top + (1 - dy / h) * rect.height };
  }

  /** The two picked points and their distance, mm (undefined before two picks). */
  get measurement(): { points: Vec3[]; distanceMm: number | undefined } {
    return { points: this.#picked.map((p) => [...p] as Vec3), distanceMm: this.#picked.length === 2 ? distanceMm(this.#picked[0]!, this.#picked[1]!) : undefined };
  }

  /** Re-aims the camera(s): the view from anterior, slightly left and above; the four-view from its four sides. */
  resetCamera(): void {
    if (!this.#gl.host) return this.#gl.forgetCameras();
    this.#aim();
    this.#render();
  }

  /** The cameras now, or as remembered while the view is released (one; four for the four-view). */
  get cameras(): CameraState[] | undefined {
    return this.#gl.cameras;
  }

  /** Aims the cameras as "Reset view" does, without drawing. */
  #aim(): void {
    if (this.#renderers.length === 0) return;
    if (this.#four) {
      const [x0, x1, y0, y1, z0, z1] = this.#bounds;
      const centre: Vec3 = [(x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2];
      this.#renderers.forEach((renderer, i) => {
        const { direction, viewUp } = FOUR_VIEW_CAMERAS[i]!;
        const camera = renderer.getActiveCamera();
        camera.setFocalPoint(...centre);
        camera.setPosition(centre[0] - direction[0], centre[1] - direction[1], centre[2] - direction[2]);
        camera.setViewUp(...viewUp);
        renderer.resetCamera();
      });
    } else {
      aimAnteriorThreeQuarter(this.#renderers[0]!);
    }
  }

  /** The view's current pixels as a PNG data URL, as the canvas holds them (the four-view before its display flip). */
  async capture(): Promise<string> {
    return (await this.#gl.live()).capture();
  }

  /** The four-view as shown (flipped top to bottom, on black), PNG data URL; the view's capture otherwise. */
  async captureShown(): Promise<string> {
    const url = await this.capture();
    if (!this.#four) return url;
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    // The cells between the four renderers are not drawn (transparent in the capture): black, as on screen.
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.translate(0, canvas.height);
    ctx.scale(1, -1);
    ctx.drawImage(img, 0, 0);
    return canvas.toDataURL('image/png');
  }

  async #downloadPng(): Promise<void> {
    const a = document.createElement('a');
    a.href = await this.captureShown();
    a.download = `${(this.scene?.name ?? 'four-views').replace(/[^\w.-]+/g, '_')}.png`;
    a.click();
  }

  #render(): void {
    this.#gl.host?.render();
  }

  #toggleMeasure(): void {
    this.#measuring = !this.#measuring;
    this.#picked = [];
    this.#clearPickMarkers();
    this.#render();
    this.requestUpdate();
  }

  #clearPickMarkers(): void {
    const renderer = this.#renderers[0];
    for (const a of this.#pickMarkers) renderer?.removeActor(a);
    this.#pickMarkers = [];
  }

  /** A click (not a drag) in measure mode picks the surface point under it. */
  #maybePick(e: PointerEvent): void {
    const down = this.#down;
    this.#down = undefined;
    if (!this.#measuring || !down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
    const view = this.#gl.host?.view;
    const renderer = this.#renderers[0];
    if (!view || !renderer) return;
    const api = view.getApiSpecificRenderWindow();
    const [w, h] = api.getSize() as [number, number];
    const rect = view.getContainer()!.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * w;
    const y = (1 - (e.clientY - rect.top) / rect.height) * h;
    const picker = vtkCellPicker.newInstance();
    picker.setPickFromList(true);
    picker.initializePickList();
    this.#actors.forEach((a, i) => {
      if (this.#visible[i] !== false) picker.addPickList(a);
    });
    picker.pick([x, y, 0], renderer);
    if (picker.getActors().length === 0) return;
    const p = picker.getPickPosition() as Vec3;
    if (this.#picked.length === 2) {
      this.#picked = [];
      this.#clearPickMarkers();
    }
    this.#picked.push([p[0], p[1], p[2]]);
    this.#addPickMarker(p);
    this.#render();
    this.requestUpdate();
  }

  #addPickMarker(p: Vec3): void {
    const [x0, x1, y0, y1, z0, z1] = this.#bounds;
    const radius = Math.max(0.5, 0.01 * Math.hypot(x1 - x0, y1 - y0, z1 - z0));
    const source = vtkSphereSource.newInstance({ center: p, radius, thetaResolution: 16, phiResolution: 16 });
    const mapper = vtkMapper.newInstance();
    mapper.setInputConnection(source.getOutputPort());
    const actor = vtkActor.newInstance();
    actor.setMapper(mapper);
    actor.getProperty().setColor(1, 0.85, 0.1);
    actor.setPickable(false);
    this.#renderers[0]!.addActor(actor);
    this.#pickMarkers.push(actor);
  }

  /** A fresh window's renderers: one with the orientation cube, or the four-view's four (interaction off). */
  #setUpWindow(host: VtkHost): void {
    const four = this.#four;
    const view = host.view;
    const main = view.getRenderer();
    if (!four) main.setBackground(...VIEW_BACKGROUND);
    this.#renderers = [main];
    if (four) {
      main.setViewport(...FOUR_VIEW_VIEWPORTS[0]!);
      for (let i = 1; i < 4; i++) {
        const r = vtkRenderer.newInstance({ background: [0, 0, 0] });
        r.setViewport(...FOUR_VIEW_VIEWPORTS[i]!);
        view.getRenderWindow().addRenderer(r);
        this.#renderers.push(r);
      }
      // A still layout for a display: no camera interaction (the canvas is shown flipped).
      view.getInteractor().unbindEvents();
    } else {
      const cube = vtkAnnotatedCubeActor.newInstance();
      cube.setDefaultStyle({ fontStyle: 'bold', fontFamily: 'sans-serif', fontColor: '#111', faceColor: '#d8dce3', edgeThickness: 0.08, edgeColor: '#111', resolution: 200 });
      cube.setXPlusFaceProperty({ text: 'L' });
      cube.setXMinusFaceProperty({ text: 'R' });
      cube.setYPlusFaceProperty({ text: 'P' });
      cube.setYMinusFaceProperty({ text: 'A' });
      cube.setZPlusFaceProperty({ text: 'S' });
      cube.setZMinusFaceProperty({ text: 'I' });
      const marker = vtkOrientationMarkerWidget.newInstance({ actor: cube, interactor: view.getInteractor() });
      marker.setViewportCorner(vtkOrientationMarkerWidget.Corners.BOTTOM_LEFT);
      marker.setViewportSize(0.16);
      marker.setMinPixelSize(64);
      marker.setMaxPixelSize(128);
      marker.setEnabled(true);
      this.#marker = marker;
    }
  }

  /** Checks the scene; a live view rebuilds its parts and re-aims, a released one does so when it is given a context. */
  #show(): void {
    const scene = this.scene;
    if (!scene) return;
    try {
      this.#built = scene.parts.map((part) => ({ polys: trianglesToCellArray(part.indices, part.positions.length / 3), colors: vertexColors(part) }));
    } catch (err) {
      this.#built = undefined;
      this.#problem = err instanceof Error ? err.message : String(err);
      this.requestUpdate();
      return;
    }
    this.#problem = '';
    this.#bounds = sceneBounds(scene.parts);
    if (this.#clipAxis !== 'none') {
      const a = Number(this.#clipAxis);
      this.#clipMm = Math.min(this.#bounds[2 * a + 1]!, Math.max(this.#bounds[2 * a]!, this.#clipMm));
    }
    const host = this.#gl.host;
    if (!host) {
      this.#gl.forgetCameras();
      this.requestUpdate();
      return;
    }
    this.#populate();
    this.#aim();
    host.render();
  }

  /** The scene's parts into the window's renderers (no draw, no camera). */
  #populate(): void {
    const scene = this.scene;
    const built = this.#built;
    if (!scene || !built) return;
    for (const r of this.#renderers) for (const a of r.getActors()) r.removeActor(a);
    this.#pickMarkers = [];
    this.#picked = [];
    this.#actors = [];
    this.#mappers = [];
    this.#visible = scene.parts.map((_, i) => this.#visible[i] ?? true);
    scene.parts.forEach((part, i) => {
      const { polys, colors } = built[i]!;
      const polyData = vtkPolyData.newInstance();
      polyData.getPoints().setData(part.positions, 3);
      polyData.getPolys().setData(polys);
      const mapper = vtkMapper.newInstance();
      setColors(polyData, mapper, colors);
      mapper.setInputData(polyData);
      this.#mappers.push(mapper);
      // The four-view draws the same mapper from four renderers (one actor each).
      this.#renderers.forEach((renderer, r) => {
        const actor = vtkActor.newInstance();
        actor.setMapper(mapper);
        styleSurface(actor, [part.color[0] / 255, part.color[1] / 255, part.color[2] / 255], part.opacity);
        actor.setVisibility(this.#visible[i]!);
        renderer.addActor(actor);
        if (r === 0) this.#actors.push(actor);
      });
    });
    if (this.#clipAxis !== 'none') this.#applyClip();
    this.dataset['renderedAt'] = String(performance.now());
    this.dataset['renderedTriangles'] = String(scene.parts.reduce((s, p) => s + p.triangles, 0));
    this.requestUpdate();
  }
}

function partsText(parts: readonly MeshPartData[]): string {
  return parts.map((p) => `${p.name} ${p.triangles.toLocaleString('en-US')} triangles`).join(' · ');
}

customElements.define('vb-mesh-scene', VbMeshScene);

declare global {
  interface HTMLElementTagNameMap {
    'vb-mesh-scene': VbMeshScene;
  }
}
