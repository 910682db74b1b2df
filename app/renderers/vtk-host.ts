/**
 * One vtk.js render window in a container: what `<vb-mesh-view>`, `<vb-mesh-scene>` and
 * `<vb-volume-view>` share. Creates the `vtkGenericRenderWindow` (one WebGL context), keeps its
 * canvas sized to the container's box in device pixels without drawing (vtk.js's own
 * `resize()` draws at once: a whole ray-cast frame in software WebGL), captures PNGs, saves and
 * restores cameras, reports a context lost by the browser, and tears everything down —
 * releasing the WebGL context at once (`WEBGL_lose_context`), which vtk.js's `delete()` alone
 * does not (the context would linger until garbage collection and count against Chromium's
 * 16 a page).
 */
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow.js';
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer.js';

export type GenericRenderWindow = ReturnType<typeof vtkGenericRenderWindow.newInstance>;
type Renderer = ReturnType<typeof vtkRenderer.newInstance>;
type Vec3 = [number, number, number];

/** Background of the 3D views, sRGB 0..1 (also what captures treat as empty). */
export const VIEW_BACKGROUND: readonly [number, number, number] = [0.125, 0.137, 0.157];

/** A camera as vtk.js holds it: world mm (LPS), degrees. */
export interface CameraState {
  readonly position: Vec3;
  readonly focalPoint: Vec3;
  readonly viewUp: Vec3;
  readonly viewAngle: number;
  readonly parallelScale: number;
  readonly parallelProjection: boolean;
}

export interface VtkHostOptions {
  /** Background, sRGB 0..1 (default `VIEW_BACKGROUND`). */
  readonly background?: readonly [number, number, number];
  /** Called after the canvas took a new size (not drawn yet: the caller draws). */
  readonly onResize?: () => void;
  /** Called when the browser lost the context (not when `dispose()` releases it). */
  readonly onContextLost?: () => void;
}

export class VtkHost {
  readonly view: GenericRenderWindow;
  readonly container: HTMLElement;
  #resize: ResizeObserver;
  #disposed = false;
  #onLost: (() => void) | undefined;
  #lostListener = (): void => {
    if (!this.#disposed) this.#onLost?.();
  };

  /** Creates the render window in `container` (its canvas is appended there). */
  constructor(container: HTMLElement, options: VtkHostOptions = {}) {
    this.container = container;
    this.view = vtkGenericRenderWindow.newInstance({ background: [...(options.background ?? VIEW_BACKGROUND)], listenWindowResize: false });
    this.view.setContainer(container);
    this.#onLost = options.onContextLost;
    this.canvas.addEventListener('webglcontextlost', this.#lostListener);
    const onResize = options.onResize;
    this.#resize = new ResizeObserver(() => {
      if (this.fit()) onResize?.();
    });
    this.#resize.observe(container);
  }

  get canvas(): HTMLCanvasElement {
    return this.view.getApiSpecificRenderWindow().getCanvas() as HTMLCanvasElement;
  }

  get renderer(): Renderer {
    return this.view.getRenderer();
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Draws now. */
  render(): void {
    if (!this.#disposed) this.view.getRenderWindow().render();
  }

  /**
   * Sizes the canvas to the container's box, device pixels (at least 1×1), without drawing.
   * Answers whether the size changed.
   */
  fit(): boolean {
    if (this.#disposed) return false;
    const box = this.container.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.floor(box.width * dpr)), h = Math.max(1, Math.floor(box.height * dpr));
    const gl = this.view.getApiSpecificRenderWindow();
    const [w0, h0] = gl.getSize();
    if (w === w0 && h === h0) return false;
    gl.setSize(w, h);
    return true;
  }

  /**
   * The window's pixels as a PNG data URL, drawn now at the container's size (vtk.js
   * `captureImages`). @throws Error when the window is disposed or gives no image.
   */
  async capture(): Promise<string> {
    if (this.#disposed) throw new Error('the render window has been released');
    this.fit();
    const [image] = this.view.getRenderWindow().captureImages('image/png');
    if (!image) throw new Error('the render window produced no image');
    return await image;
  }

  /**
   * Turns the camera `degrees` about the view-up axis and draws, `frames` times, waiting for each
   * frame's pixels (captureImages); answers ms per frame (for the benches: frame + read-back + PNG).
   */
  async rotateFrames(frames: number, degrees: number): Promise<number[]> {
    const times: number[] = [];
    for (let f = 0; f < frames; f++) {
      const t0 = performance.now();
      this.renderer.getActiveCamera().azimuth(degrees);
      const [image] = this.view.getRenderWindow().captureImages('image/png');
      await image;
      times.push(performance.now() - t0);
    }
    return times;
  }

  /** Stops observing, deletes the vtk.js objects, removes the canvas and releases its WebGL context now. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#resize.disconnect();
    const canvas = this.canvas;
    canvas.removeEventListener('webglcontextlost', this.#lostListener);
    const gl = (this.view.getApiSpecificRenderWindow() as unknown as { getContext?(): WebGL2RenderingContext | null | undefined }).getContext?.();
    this.view.delete();
    if (gl && !gl.isContextLost()) gl.getExtension('WEBGL_lose_context')?.loseContext();
    canvas.remove();
  }
}

/** The camera of `renderer` now (copies). */
export function cameraStateOf(renderer: Renderer): CameraState {
  const c = renderer.getActiveCamera();
  return {
    position: [...c.getPosition()] as Vec3,
    focalPoint: [...c.getFocalPoint()] as Vec3,
    viewUp: [...c.getViewUp()] as Vec3,
    viewAngle: c.getViewAngle(),
    parallelScale: c.getParallelScale(),
    parallelProjection: c.getParallelProjection(),
  };
}

/** Puts `state` back on the camera of `renderer`, its clipping range fitted to the scene. */
export function applyCameraState(renderer: Renderer, state: CameraState): void {
  const c = renderer.getActiveCamera();
  c.setPosition(...state.position);
  c.setFocalPoint(...state.focalPoint);
  c.setViewUp(...state.viewUp);
  c.setViewAngle(state.viewAngle);
  c.setParallelScale(state.parallelScale);
  c.setParallelProjection(state.parallelProjection);
  renderer.resetCameraClippingRange();
}
