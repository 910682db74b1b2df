/**
 * `<vb-volume-view>`: GPU ray casting of a `VolumeViewData` output (vtk.js vtkVolumeMapper,
 * WebGL2). The voxels are wrapped as they arrive (vtkDataArray over the bundle's own typed
 * array, no copy) in a vtkImageData with the volume's LPS origin, spacing and direction.
 * Controls (keyboard-reachable, labelled): the transfer-function preset, a level shift and a
 * width scale that move and stretch the preset's opacity and colour points like a
 * window/level, a clipping plane cutting mm off the front (anterior), shading on/off, and "Reset view" (anterior three-quarter view, superior up,
 * as the mesh view). The crop box and clipping plane of the bundle become vtk.js clipping planes.
 * Overlay surfaces (label map / probability, `VolumeViewData.surfaces`) are polygon actors in the
 * same renderer, depth-composited with the ray-cast volume and cut by the same planes; one
 * checkbox shows or hides them, a slider sets their opacity.
 * Under the controls, the transfer-function editor (`<vb-transfer-editor>`, transfer-editor.ts)
 * shows the function drawn now over the volume's value histogram; its edits are drawn live.
 * How they combine: an edit replaces the preset's function by the edited one, with the window
 * baked in (level shift and width go back to 0 and ×1, and then move and stretch the edited
 * function); choosing a preset, or "Reset curve", drops the edits.
 */
import '@kitware/vtk.js/Rendering/Profiles/Geometry.js';
import '@kitware/vtk.js/Rendering/Profiles/Volume.js';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume.js';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper.js';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction.js';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkPlane from '@kitware/vtk.js/Common/DataModel/Plane.js';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor.js';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper.js';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
import { LitElement, html } from 'lit';
import './transfer-editor.ts';
import { trianglesToCellArray } from './mesh-geometry.ts';
import type { VolumeViewData } from '../../cells/viz/volume-view.ts';
import { isVolumePresetName, resolvePreset, VOLUME_PRESET_NAMES, VOLUME_PRESETS, windowTransfer, type TransferFunction, type VolumePresetName } from '../../cells/viz/volume-presets.ts';
import { styleSurface } from './mesh-view.ts';
import { BudgetedView } from './budgeted-view.ts';
import type { CameraState, VtkHost } from './vtk-host.ts';
import { boundsMm, centreMm, clipPlanesOf, frontCutPlane, vtkDirection } from './volume-geometry.ts';
import { MAX_CLIP_PLANES } from '../../cells/viz/volume-view.ts';

export class VbVolumeView extends LitElement {
  static override properties = { volume: { attribute: false } };
  declare volume: VolumeViewData | undefined;

  /** The render window under the page's WebGL budget (created when on or near the screen). */
  readonly #gl = new BudgetedView({
    element: this,
    container: () => this.querySelector<HTMLElement>('.vb-volume-canvas'),
    build: (host) => this.#populate(host),
    resetCameras: () => this.#aim(),
    draw: () => this.#render(),
    released: () => {
      cancelAnimationFrame(this.#frame);
      this.#frame = 0;
      this.#actor = undefined;
      this.#mapper = undefined;
      this.#surfaceActors = [];
    },
  });
  #actor: ReturnType<typeof vtkVolume.newInstance> | undefined;
  #preset: VolumePresetName = 'ct-bone';
  #levelShift = 0;
  #widthScale = 1;
  /** The transfer-function editor's function, replacing the preset's; undefined: the preset's. */
  #edited: TransferFunction | undefined;
  #shade = true;
  /** mm cut off the front (anterior) of the volume by the "cut from front" control; 0: no cut. */
  #frontCutMm = 0;
  #mapper: ReturnType<typeof vtkVolumeMapper.newInstance> | undefined;
  #surfaceActors: ReturnType<typeof vtkActor.newInstance>[] = [];
  #overlayOn = true;
  #overlayOpacity = 0.6;
  #problem = '';
  static #ids = 0;
  readonly #id = `vb-volume-${++VbVolumeView.#ids}`;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const v = this.volume;
    const span = v ? this.#shiftSpan(v) : 1000;
    const unit = v?.valueUnit ?? (v && isVolumePresetName(this.#preset) && VOLUME_PRESETS[this.#preset].scale === 'HU' ? 'HU' : '');
    const id = this.#id;
    return html`
      <div class="vb-mesh-canvas vb-volume-canvas" role="img" aria-label=${`${v?.name ?? 'volume'}: volume rendering, ${VOLUME_PRESETS[this.#preset].label}`}></div>
      <div class="vb-mesh-bar vb-volume-bar">
        <span class="vb-mesh-name">${v?.name ?? 'volume'}</span>
        <label for=${`${id}-preset`}>preset</label>
        <select id=${`${id}-preset`} class="vb-volume-preset" .value=${this.#preset} @change=${(e: Event) => this.setPreset((e.target as HTMLSelectElement).value)}>
          ${VOLUME_PRESET_NAMES.map((n) => html`<option value=${n} ?selected=${n === this.#preset}>${VOLUME_PRESETS[n].label}</option>`)}
        </select>
        <label for=${`${id}-level`}>level shift${unit ? ` (${unit})` : ''}</label>
        <input id=${`${id}-level`} class="vb-volume-level" type="range" min=${-span} max=${span} step=${span / 100} .value=${String(this.#levelShift)}
          @input=${(e: Event) => this.#setWindow(Number((e.target as HTMLInputElement).value), this.#widthScale)} />
        <label for=${`${id}-width`}>width ×</label>
        <input id=${`${id}-width`} class="vb-volume-width" type="range" min="0.25" max="3" step="0.05" .value=${String(this.#widthScale)}
          @input=${(e: Event) => this.#setWindow(this.#levelShift, Number((e.target as HTMLInputElement).value))} />
        <label for=${`${id}-cut`}>cut from front (mm)</label>
        <input id=${`${id}-cut`} class="vb-volume-cut" type="range" min="0" max=${v ? Math.round(depthMm(v)) : 0} step="1" .value=${String(this.#frontCutMm)}
          ?disabled=${!v || clipPlanesOf(v).length >= MAX_CLIP_PLANES} title="a clipping plane across the anterior–posterior axis"
          @input=${(e: Event) => this.#setFrontCut(Number((e.target as HTMLInputElement).value))} />
        <label><input type="checkbox" class="vb-volume-shade" .checked=${this.#shade} @change=${(e: Event) => this.#setShade((e.target as HTMLInputElement).checked)} /> shading</label>
        ${v?.surfaces?.length ? html`
          <label title=${v.surfaces.map((s) => s.name).join(', ')}><input type="checkbox" class="vb-volume-overlay" .checked=${this.#overlayOn}
            @change=${(e: Event) => this.setOverlay((e.target as HTMLInputElement).checked, this.#overlayOpacity)} /> overlay (${v.surfaces.length === 1 ? v.surfaces[0]!.name : `${v.surfaces.length} surfaces`})</label>
          <label for=${`${id}-overlay-opacity`}>overlay opacity</label>
          <input id=${`${id}-overlay-opacity`} class="vb-volume-overlay-opacity" type="range" min="0" max="1" step="0.05" .value=${String(this.#overlayOpacity)}
            @input=${(e: Event) => this.setOverlay(this.#overlayOn, Number((e.target as HTMLInputElement).value))} />` : ''}
        ${this.#problem ? html`<span class="vb-mesh-problem">${this.#problem}</span>` : ''}
        <span class="vb-spacer"></span>
        <button class="vb-button vb-button-quiet" @click=${() => this.resetCamera()}>Reset view</button>
      </div>
      <vb-transfer-editor .transfer=${this.transfer} .rangeValue=${v?.rangeValue} .data=${v?.data} unit=${unit}
        @transfer-input=${(e: CustomEvent<TransferFunction>) => this.setTransfer(e.detail)}
        @transfer-reset=${() => this.setPreset(this.#preset)}></vb-transfer-editor>
    `;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('volume') && this.volume) {
      this.#preset = this.volume.preset;
      this.#levelShift = 0;
      this.#widthScale = 1;
      this.#edited = undefined;
      this.#shade = this.volume.shade;
      this.#frontCutMm = 0;
      this.#overlayOn = true;
      this.#overlayOpacity = this.volume.surfaces?.[0]?.opacity ?? 0.6;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('volume')) this.#show();
  }

  /** Shows the volume with preset `name` (level and width back to the preset's own). Unknown names are ignored. */
  setPreset(name: string): void {
    if (!isVolumePresetName(name)) return;
    this.#preset = name;
    this.#levelShift = 0;
    this.#widthScale = 1;
    this.#edited = undefined;
    this.#applyTransfer();
    this.requestUpdate();
  }

  /** The transfer function drawn now, in the volume's values (for tests). */
  get transfer(): TransferFunction | undefined {
    const v = this.volume;
    if (!v) return undefined;
    const base = this.#edited ?? this.#baseTransfer(v);
    return this.#levelShift === 0 && this.#widthScale === 1 ? base : windowTransfer(base, this.#levelShift, this.#widthScale);
  }

  /**
   * Draws `tf` (values in the volume's unit, opacity per mm) in place of the preset's function,
   * as the transfer-function editor does on every edit: the level shift and width go back to 0
   * and ×1 (the window they set is part of `tf`). `setPreset` drops it.
   */
  setTransfer(tf: TransferFunction): void {
    this.#edited = tf;
    this.#levelShift = 0;
    this.#widthScale = 1;
    this.#applyTransfer();
    this.requestUpdate();
  }

  /** Shows or hides the overlay surfaces and sets their opacity (0..1). */
  setOverlay(on: boolean, opacity: number): void {
    this.#overlayOn = on;
    this.#overlayOpacity = Math.max(0, Math.min(1, opacity));
    for (const a of this.#surfaceActors) {
      a.setVisibility(on);
      a.getProperty().setOpacity(this.#overlayOpacity);
    }
    this.dataset['overlay'] = on ? String(this.#surfaceActors.length) : '0';
    this.#render();
    this.requestUpdate();
  }

  /** Re-aims the camera at the whole volume from anterior (−y in LPS), slightly left and above, superior up. */
  resetCamera(): void {
    if (!this.#gl.host) return this.#gl.forgetCameras();
    this.#aim();
    this.#render();
  }

  /** The camera now, or as remembered while the view is released (world mm, LPS). */
  get camera(): CameraState | undefined {
    return this.#gl.cameras?.[0];
  }

  /** Aims the camera as "Reset view" does, without drawing. */
  #aim(): void {
    const host = this.#gl.host;
    const v = this.volume;
    if (!host || !v) return;
    const renderer = host.renderer;
    const camera = renderer.getActiveCamera();
    const c = centreMm(v);
    camera.setFocalPoint(c[0], c[1], c[2]);
    camera.setPosition(c[0], c[1] - 1, c[2]);
    camera.setViewUp(0, 0, 1);
    camera.azimuth(-30);
    camera.elevation(15);
    camera.orthogonalizeViewUp();
    renderer.resetCamera();
  }

  /** The view's current pixels as a PNG data URL (for tests and "save image"). */
  async capture(): Promise<string> {
    return (await this.#gl.live()).capture();
  }

  /** ms per frame turning the camera `degrees` at a time, `frames` times (VtkHost.rotateFrames; for the bench). */
  async rotateFrames(frames: number, degrees: number): Promise<number[]> {
    return (await this.#gl.live()).rotateFrames(frames, degrees);
  }

  #shiftSpan(v: VolumeViewData): number {
    return VOLUME_PRESETS[this.#preset].scale === 'HU' ? 1000 : Math.max(1e-6, (v.rangeValue[1] - v.rangeValue[0]) / 2);
  }

  #baseTransfer(v: VolumeViewData): TransferFunction {
    // The bundle's own resolved function for its preset; other presets resolved here against its range.
    return this.#preset === v.preset ? v.transfer : resolvePreset(this.#preset, v.rangeValue);
  }

  #setWindow(levelShift: number, widthScale: number): void {
    this.#levelShift = levelShift;
    this.#widthScale = widthScale;
    this.#applyTransfer();
    this.requestUpdate();
  }

  #setFrontCut(mm: number): void {
    this.#frontCutMm = mm;
    this.#applyClipping();
    this.#render();
  }

  /** The bundle's crop box and clipping plane, and the front cut when there is one. */
  #applyClipping(): void {
    const v = this.volume;
    if (!v || !this.#mapper) return;
    const planes = clipPlanesOf(v);
    if (this.#frontCutMm > 0 && planes.length < MAX_CLIP_PLANES) planes.push(frontCutPlane(boundsMm(v), this.#frontCutMm));
    this.#mapper.setClippingPlanes(planes.map((p) => vtkPlane.newInstance({ origin: [...p.originMm], normal: [...p.normal] })));
    for (const a of this.#surfaceActors) a.getMapper()!.setClippingPlanes(planes.map((p) => vtkPlane.newInstance({ origin: [...p.originMm], normal: [...p.normal] })));
    this.dataset['clipPlanes'] = String(planes.length);
  }

  #setShade(on: boolean): void {
    this.#shade = on;
    this.#actor?.getProperty().setShade(on);
    this.#render();
  }

  #applyTransfer(): void {
    const actor = this.#actor;
    const tf = this.transfer;
    if (!actor || !tf) return;
    const colour = vtkColorTransferFunction.newInstance();
    for (const [x, r, g, b] of tf.color) colour.addRGBPoint(x, r, g, b);
    const opacity = vtkPiecewiseFunction.newInstance();
    for (const [x, a] of tf.opacity) opacity.addPoint(x, a);
    const property = actor.getProperty();
    property.setRGBTransferFunction(0, colour);
    property.setScalarOpacity(0, opacity);
    this.#render();
  }

  #frame = 0;

  /**
   * Draws at the next animation frame, once however many changes asked for it: a ray-cast frame
   * takes seconds in software WebGL, so a preset change, a camera reset and a resize together
   * must cost one frame, not three.
   */
  #render(): void {
    if (!this.#gl.host || this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const host = this.#gl.host;
      if (!host) return;
      host.render();
      this.dataset['renderedAt'] = String(performance.now());
      this.dataset['preset'] = this.#preset;
    });
  }

  /** A new volume: a live view rebuilds and re-aims; a released one does so when it is given a context. */
  #show(): void {
    const host = this.#gl.host;
    if (!host) return this.#gl.forgetCameras();
    this.#populate(host);
    this.#aim();
    this.#render();
  }

  /** The volume, its transfer function, clipping and overlay surfaces into the window's renderer (no draw, no camera). */
  #populate(host: VtkHost): void {
    const v = this.volume;
    if (!v) return;
    const renderer = host.renderer;
    for (const old of renderer.getVolumes()) renderer.removeVolume(old);

    const image = vtkImageData.newInstance();
    image.setDimensions([...v.dims]);
    image.setSpacing([...v.spacingMm]);
    image.setOrigin([...v.originMm]);
    image.setDirection(Float32Array.from(vtkDirection(v.direction)));
    image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'voxels', numberOfComponents: 1, values: v.data }));

    const minSpacing = Math.min(...v.spacingMm);
    const mapper = vtkVolumeMapper.newInstance();
    mapper.setInputData(image);
    mapper.setSampleDistance(minSpacing);
    const actor = vtkVolume.newInstance();
    actor.setMapper(mapper);
    const property = actor.getProperty();
    property.setInterpolationTypeToLinear();
    property.setScalarOpacityUnitDistance(0, minSpacing);
    property.setShade(this.#shade);
    property.setAmbient(0.2);
    property.setDiffuse(0.75);
    property.setSpecular(0.2);
    property.setSpecularPower(12);
    renderer.addVolume(actor);
    for (const old of this.#surfaceActors) renderer.removeActor(old);
    this.#surfaceActors = (v.surfaces ?? []).map((surface) => {
      const polyData = vtkPolyData.newInstance();
      polyData.getPoints().setData(surface.positions, 3);
      polyData.getPolys().setData(trianglesToCellArray(surface.indices, surface.positions.length / 3));
      const surfaceMapper = vtkMapper.newInstance();
      surfaceMapper.setInputData(polyData);
      const surfaceActor = vtkActor.newInstance();
      surfaceActor.setMapper(surfaceMapper);
      styleSurface(surfaceActor, [surface.color[0] / 255, surface.color[1] / 255, surface.color[2] / 255], this.#overlayOpacity);
      surfaceActor.setVisibility(this.#overlayOn);
      renderer.addActor(surfaceActor);
      return surfaceActor;
    });
    this.dataset['overlay'] = this.#overlayOn ? String(this.#surfaceActors.length) : '0';
    this.#actor = actor;
    this.#mapper = mapper;
    this.#applyClipping();
    this.#applyTransfer();
  }
}

/** Anterior–posterior extent of the volume, mm (the range of the front cut). */
function depthMm(v: VolumeViewData): number {
  const b = boundsMm(v);
  return b[3] - b[2];
}

customElements.define('vb-volume-view', VbVolumeView);

declare global {
  interface HTMLElementTagNameMap {
    'vb-volume-view': VbVolumeView;
  }
}
