/**
 * A vtk.js view under the page's WebGL context budget: the life cycle `<vb-mesh-view>`,
 * `<vb-mesh-scene>` and `<vb-volume-view>` share. The renderer says how to build its scene into
 * a fresh window; this creates the window when the budget gives the view a context, and when it
 * takes it back keeps the last frame as an `<img>` over the view and the cameras in memory, so
 * the view comes back (scrolled to, focused or clicked) drawn from the same viewpoint.
 * A context the browser loses shows the last frame with a note, and is made again on demand.
 *
 * A lit reactive controller: it registers with the budget when its element connects and tears the
 * window down when it disconnects.
 *
 * `element.dataset.gl` tells the state: `live`, `snapshot` (released, last frame shown) or `lost`.
 */
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer.js';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { pageGlBudget, type GlTicket } from './gl-budget.ts';
import { applyCameraState, cameraStateOf, VtkHost, type CameraState } from './vtk-host.ts';

type Renderer = ReturnType<typeof vtkRenderer.newInstance>;

export interface BudgetedViewSpec {
  /** The renderer element (its visibility, focus and clicks count); the controller adds itself to it. */
  readonly element: HTMLElement & ReactiveControllerHost;
  /** The box the canvas fills; null before the element's first render. */
  container(): HTMLElement | null;
  /** Background, sRGB 0..1 (default: the 3-D views' dark grey). */
  readonly background?: readonly [number, number, number];
  /** Builds the scene into a fresh window (renderers, actors, widgets), without drawing. */
  build(host: VtkHost): void;
  /** The renderers whose cameras are kept across a release, in a fixed order (default: the window's one renderer). */
  cameras?(host: VtkHost): Renderer[];
  /** Aims the cameras as "Reset view" does (used when none is remembered), without drawing. */
  resetCameras(host: VtkHost): void;
  /** Draws (at once, or at the next frame). */
  draw(host: VtkHost): void;
  /** The window is about to be torn down: drop references to its vtk.js objects. */
  released(): void;
}

export class BudgetedView implements ReactiveController {
  readonly #spec: BudgetedViewSpec;
  #host: VtkHost | undefined;
  #ticket: GlTicket | undefined;
  #cameras: CameraState[] | undefined;
  #snapshot: string | undefined;

  constructor(spec: BudgetedViewSpec) {
    this.#spec = spec;
    spec.element.addController(this);
  }

  /** The live window, or undefined while released. */
  get host(): VtkHost | undefined {
    return this.#host;
  }

  /** The cameras now (live) or as remembered (released); undefined before the first frame. */
  get cameras(): CameraState[] | undefined {
    const host = this.#host;
    return host ? this.#renderersOf(host).map(cameraStateOf) : this.#cameras?.map((c) => ({ ...c }));
  }

  /** Registers with the page's budget (lit calls this when the element connects). */
  hostConnected(): void {
    this.#ticket ??= pageGlBudget().register({ element: this.#spec.element, wake: () => this.#wake(), sleep: () => this.#sleep() });
  }

  /** Leaves the budget and tears the window down (lit calls this when the element disconnects). */
  hostDisconnected(): void {
    this.#ticket?.unregister();
    this.#ticket = undefined;
    this.#teardown();
    this.#cameras = undefined;
  }

  /** The live window, asking the budget for a context first when released. @throws Error when it could not be made. */
  async live(): Promise<VtkHost> {
    if (!this.#host) {
      this.hostConnected();
      await this.#ticket!.demand();
    }
    if (!this.#host) throw new Error('the 3-D view could not get a WebGL context');
    return this.#host;
  }

  /** The next window aims its cameras afresh (a new scene, "Reset view" while released). */
  forgetCameras(): void {
    this.#cameras = undefined;
  }

  #renderersOf(host: VtkHost): Renderer[] {
    return this.#spec.cameras?.(host) ?? [host.renderer];
  }

  #wake(): void {
    const spec = this.#spec;
    const container = spec.container();
    if (!container) throw new Error('the 3-D view has not rendered its canvas box yet');
    this.#teardown();
    const host = new VtkHost(container, {
      ...(spec.background ? { background: spec.background } : {}),
      onResize: () => spec.draw(host),
      onContextLost: () => this.#lost(),
    });
    this.#host = host;
    try {
      host.fit();
      spec.build(host);
      const saved = this.#cameras;
      const renderers = this.#renderersOf(host);
      if (saved && saved.length === renderers.length) renderers.forEach((r, i) => applyCameraState(r, saved[i]!));
      else spec.resetCameras(host);
      spec.draw(host);
    } catch (err) {
      // No half-built window keeps a context: the budget reports the error and counts the view released.
      this.#teardown();
      throw err;
    }
    clearSnapshot(container);
    spec.element.dataset['gl'] = 'live';
  }

  async #sleep(): Promise<void> {
    const host = this.#host;
    if (!host) return;
    this.#cameras = this.#renderersOf(host).map(cameraStateOf);
    try {
      this.#snapshot = await host.capture();
    } finally {
      // The frame (or not): either way the context goes.
      if (this.#host === host) {
        this.#teardown();
        if (this.#snapshot) showSnapshot(host.container, this.#snapshot);
        this.#spec.element.dataset['gl'] = 'snapshot';
      }
    }
  }

  #lost(): void {
    const host = this.#host;
    if (!host) return;
    this.#cameras = this.#renderersOf(host).map(cameraStateOf);
    this.#teardown();
    showSnapshot(host.container, this.#snapshot, 'The browser dropped this view’s WebGL context — click to draw it again.');
    this.#spec.element.dataset['gl'] = 'lost';
    this.#ticket?.lost();
  }

  #teardown(): void {
    const host = this.#host;
    if (!host) return;
    this.#host = undefined;
    this.#spec.released();
    host.dispose();
  }
}

/** Shows `url` (a view's last frame) over `container`, and a note when given; replaces any shown before. */
export function showSnapshot(container: HTMLElement, url: string | undefined, note?: string): void {
  clearSnapshot(container);
  if (url) {
    const img = document.createElement('img');
    img.className = 'vb-gl-snapshot';
    img.alt = '';
    img.src = url;
    container.append(img);
  }
  if (note) {
    const p = document.createElement('p');
    p.className = 'vb-gl-note';
    p.textContent = note;
    container.append(p);
  }
}

/** Removes the last frame and note from `container`. */
export function clearSnapshot(container: HTMLElement): void {
  for (const el of container.querySelectorAll(':scope > .vb-gl-snapshot, :scope > .vb-gl-note')) el.remove();
}
