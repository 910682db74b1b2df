/**
 * `<vb-mesh-view>`: an interactive 3D view of a `MeshData` output (vtk.js, WebGL).
 * Left-drag rotates (trackball), wheel or right-drag zooms, shift-drag pans; "Reset view"
 * returns to the initial anterior three-quarter view. A mesh with per-vertex `colors` is drawn
 * with them (vtk.js point scalars, RGB used directly); without, in its one `color`. Patient coordinates are LPS, so the
 * camera looks from anterior (−y) with superior (+z) up.
 */
import '@kitware/vtk.js/Rendering/Profiles/Geometry.js';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor.js';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper.js';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import { LitElement, html } from 'lit';
import type { MeshData } from '../../kernel/protocol.ts';
import { describeMesh, meshColor, trianglesToCellArray, vertexColors } from './mesh-geometry.ts';
import { BudgetedView } from './budgeted-view.ts';
import { VIEW_BACKGROUND, type CameraState, type GenericRenderWindow, type VtkHost } from './vtk-host.ts';

/** Background of the 3D view, sRGB 0..1 (also what `capture()` treats as empty); defined in vtk-host.ts. */
export { VIEW_BACKGROUND };

export class VbMeshView extends LitElement {
  static override properties = { mesh: { attribute: false } };
  declare mesh: MeshData | undefined;

  /** The render window under the page's WebGL budget (created when on or near the screen). */
  readonly #gl = new BudgetedView({
    element: this,
    container: () => this.querySelector<HTMLElement>('.vb-mesh-canvas'),
    build: (host) => this.#build(host),
    resetCameras: (host) => aimAnteriorThreeQuarter(host.renderer),
    draw: (host) => {
      host.render();
      this.#renderedAt();
    },
    released: () => {
      this.#polyData = undefined;
      this.#actor = undefined;
      this.#mapper = undefined;
    },
  });
  /** The surface shown now; a new mesh replaces its points and triangles in place. */
  #polyData: ReturnType<typeof vtkPolyData.newInstance> | undefined;
  #actor: ReturnType<typeof vtkActor.newInstance> | undefined;
  #mapper: ReturnType<typeof vtkMapper.newInstance> | undefined;
  #problem = '';

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const mesh = this.mesh;
    return html`
      <div class="vb-mesh-canvas" role="img" aria-label=${mesh?.name ?? 'mesh'}></div>
      <div class="vb-mesh-bar">
        <span class="vb-mesh-name">${mesh?.name ?? 'mesh'}</span>
        <span class="vb-mesh-info" data-triangles=${String(mesh?.triangles ?? 0)}>${mesh ? describeMesh(mesh) : ''}</span>
        ${this.#problem ? html`<span class="vb-mesh-problem">${this.#problem}</span>` : ''}
        <span class="vb-spacer"></span>
        <span class="vb-mesh-hint">drag to rotate · scroll to zoom · shift-drag to pan</span>
        <button class="vb-button vb-button-quiet" @click=${() => this.resetCamera()}>Reset view</button>
      </div>
    `;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('mesh')) this.#show();
  }

  /** Re-aims the camera at the whole mesh from anterior, slightly left and above. */
  resetCamera(): void {
    const host = this.#gl.host;
    if (!host) return this.#gl.forgetCameras();
    aimAnteriorThreeQuarter(host.renderer);
    host.render();
  }

  /** The camera now, or as remembered while the view is released (world mm, LPS). */
  get camera(): CameraState | undefined {
    return this.#gl.cameras?.[0];
  }

  /** The view's current pixels as a PNG data URL (for tests and "save image"); a released view is made live first. */
  async capture(): Promise<string> {
    return (await this.#gl.live()).capture();
  }

  /** ms per frame turning the camera `degrees` at a time, `frames` times (VtkHost.rotateFrames; for the bench). */
  async rotateFrames(frames: number, degrees: number): Promise<number[]> {
    return (await this.#gl.live()).rotateFrames(frames, degrees);
  }

  /** Checks the mesh; a live view updates in place (same camera), a released one builds it when it is given a context. */
  #show(): void {
    const mesh = this.mesh;
    if (!mesh) return;
    let cells: { polys: Uint32Array; colors: Uint8Array | undefined };
    try {
      cells = this.#cells(mesh);
    } catch (err) {
      this.#problem = err instanceof Error ? err.message : String(err);
      this.requestUpdate();
      return;
    }
    if (this.#problem) {
      this.#problem = '';
      this.requestUpdate();
    }
    const host = this.#gl.host;
    if (!host) return;
    if (this.#polyData && this.#actor && this.#mapper) {
      // A new mesh in the same view (a preview redrawn as a slider moves): same camera, so the
      // user's viewpoint stays; only the geometry and colour change.
      const { polys, colors } = cells;
      this.#polyData.getPoints().setData(mesh.positions, 3);
      this.#polyData.getPolys().setData(polys);
      setColors(this.#polyData, this.#mapper, colors);
      this.#polyData.modified();
      this.#actor.getProperty().setColor(...meshColor(mesh));
    } else {
      this.#build(host, cells);
      aimAnteriorThreeQuarter(host.renderer);
    }
    host.render();
    this.#renderedAt();
  }

  #cells(mesh: MeshData): { polys: Uint32Array; colors: Uint8Array | undefined } {
    return { polys: trianglesToCellArray(mesh.indices, mesh.positions.length / 3), colors: vertexColors(mesh) };
  }

  /** Puts the mesh into a fresh window's renderer (no draw, no camera). */
  #build(host: VtkHost, cells?: { polys: Uint32Array; colors: Uint8Array | undefined }): void {
    const mesh = this.mesh;
    if (!mesh || this.#problem) return;
    const { polys, colors } = cells ?? this.#cells(mesh);
    const renderer = host.renderer;
    for (const actor of renderer.getActors()) renderer.removeActor(actor);
    const polyData = vtkPolyData.newInstance();
    polyData.getPoints().setData(mesh.positions, 3);
    polyData.getPolys().setData(polys);
    const mapper = vtkMapper.newInstance();
    setColors(polyData, mapper, colors);
    mapper.setInputData(polyData);
    const actor = vtkActor.newInstance();
    actor.setMapper(mapper);
    styleSurface(actor, meshColor(mesh));
    renderer.addActor(actor);
    this.#polyData = polyData;
    this.#actor = actor;
    this.#mapper = mapper;
  }

  /** Marks when the view last drew a new mesh, and how many triangles (for tests and the bench). */
  #renderedAt(): void {
    this.dataset['renderedAt'] = String(performance.now());
    this.dataset['renderedTriangles'] = String(this.mesh?.triangles ?? 0);
  }
}

/** The camera from anterior (−y), superior up, turned 30° towards the patient's right and 15° up, fitted to the scene. */
export function aimAnteriorThreeQuarter(renderer: ReturnType<GenericRenderWindow['getRenderer']>): void {
  const camera = renderer.getActiveCamera();
  camera.setFocalPoint(0, 0, 0);
  camera.setPosition(0, -1, 0);
  camera.setViewUp(0, 0, 1);
  camera.azimuth(-30);
  camera.elevation(15);
  camera.orthogonalizeViewUp();
  renderer.resetCamera();
}

/** A surface's colour (0..1) and the shared lighting: a little ambient, mostly diffuse, a soft highlight. */
export function styleSurface(actor: ReturnType<typeof vtkActor.newInstance>, rgb: readonly [number, number, number], opacity = 1): void {
  const property = actor.getProperty();
  property.setColor(rgb[0], rgb[1], rgb[2]);
  property.setOpacity(opacity);
  property.setAmbient(0.12);
  property.setDiffuse(0.8);
  property.setSpecular(0.18);
  property.setSpecularPower(24);
}

/** Per-vertex RGB as the point scalars, drawn as colours directly; none: no scalars, the actor's colour. */
export function setColors(polyData: ReturnType<typeof vtkPolyData.newInstance>, mapper: ReturnType<typeof vtkMapper.newInstance>, colors: Uint8Array | undefined): void {
  if (colors) {
    polyData.getPointData().setScalars(vtkDataArray.newInstance({ name: 'colors', numberOfComponents: 3, values: colors }));
    mapper.setColorModeToDirectScalars();
    mapper.setScalarModeToUsePointData();
    mapper.setScalarVisibility(true);
  } else {
    polyData.getPointData().removeAllArrays();
    mapper.setScalarVisibility(false);
  }
}

customElements.define('vb-mesh-view', VbMeshView);

declare global {
  interface HTMLElementTagNameMap {
    'vb-mesh-view': VbMeshView;
  }
}
