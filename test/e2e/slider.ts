/**
 * Moving ct-to-print's `minHu` slider from inside the page and timing what the user sees:
 * the histogram's marker at the new value and the preview mesh redrawn. Shared by the
 * browser test (test/e2e/inputs.test.ts) and the bench (bench/slider-preview.ts).
 */
import type { Page } from 'playwright-core';

export interface SliderMove {
  readonly value: number;
  /** From the input event to the frame that showed the histogram marker at `value`, ms. */
  readonly histogramMs: number;
  /**
   * From the input event to the first animation frame after the preview view drew the new
   * mesh, ms: the draw call returns before the pixels are made (in headless Chromium,
   * SwiftShader rasterises on the CPU), and the next frame starts only once they are.
   */
  readonly previewMs: number;
  /** From the input event to the preview view's draw call returning, ms (the page's part). */
  readonly drawMs: number;
  /** The later of the two: the move is shown. */
  readonly ms: number;
  /** Triangles of the preview drawn. */
  readonly triangles: number;
}

/**
 * Sets the slider named `name` to `value` as a user's drag would (an `input` event) and
 * resolves once the histogram shows `minHu <value>` and the preview view has drawn a mesh
 * after the event. Rejects after `timeoutMs`.
 */
export function moveSlider(page: Page, value: number, timeoutMs = 30_000, name = 'minHu'): Promise<SliderMove> {
  return page.evaluate(({ value, timeoutMs, name }) => {
    const deepAll = (root: ParentNode, selector: string): Element[] => {
      const found: Element[] = [];
      const walk = (node: ParentNode): void => {
        for (const el of node.querySelectorAll('*')) {
          if (el.matches(selector)) found.push(el);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(root);
      return found;
    };
    const widget = deepAll(document, 'vb-input-widget').find((w) => (w as unknown as { widget?: { name: string } }).widget?.name === name);
    const range = widget?.shadowRoot?.querySelector<HTMLInputElement>('input[type="range"]');
    if (!range) throw new Error(`no slider named ${name} on the page`);
    // Found once, before the move (walking every shadow root each frame would itself slow the page).
    const previewView = deepAll(document, 'vb-mesh-view').find((v) => (v as unknown as { mesh?: { name?: string } }).mesh?.name?.startsWith('preview')) as HTMLElement | undefined;
    const markerText = (t: Element) => t.textContent?.startsWith(`${name} `) === true;
    const histogram = deepAll(document, 'vb-bundle').find((b) => [...(b.shadowRoot?.querySelectorAll('.vb-svg svg text') ?? [])].some(markerText));
    if (!previewView || !histogram) throw new Error(`no preview mesh view or no histogram with a ${name} marker on the page`);
    // A 3-D view holds a WebGL context (and draws) only on or near the screen (app/renderers/gl-budget.ts): look at the preview.
    previewView.scrollIntoView({ block: 'center' });
    // The views are kept while the cells re-run; look them up again only if they were replaced.
    const preview = () => (previewView.isConnected ? previewView : deepAll(document, 'vb-mesh-view').find((v) => (v as unknown as { mesh?: { name?: string } }).mesh?.name?.startsWith('preview')) as HTMLElement | undefined);
    const histogramShows = () => [...(histogram.shadowRoot?.querySelectorAll('.vb-svg svg text') ?? [])].some((t) => t.textContent === `${name} ${value}`);
    // Brought into sight, the view first draws the mesh it has: wait for that draw (and a frame
    // after it) before moving, or that draw would pass for the move's.
    const settled = new Promise<void>((done, fail) => {
      const since = performance.now();
      const wait = (): void => {
        const view = preview();
        if (view?.dataset['gl'] === 'live' && Number(view.dataset['renderedAt'] ?? -1) > 0) requestAnimationFrame(() => requestAnimationFrame(() => done()));
        else if (performance.now() - since > timeoutMs) fail(new Error(`slider ${name}: the preview view did not draw once in sight within ${timeoutMs} ms (gl ${view?.dataset['gl'] ?? 'none'})`));
        else requestAnimationFrame(wait);
      };
      wait();
    });
    return settled.then(() => new Promise((resolve, reject) => {
      const t0 = performance.now();
      let histogramAt: number | undefined;
      let previewAt: number | undefined;
      range.value = String(value);
      range.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      const check = () => {
        const now = performance.now();
        if (histogramAt === undefined && histogramShows()) histogramAt = now;
        const view = preview();
        const drawnAt = Number(view?.dataset['renderedAt'] ?? -1);
        // This callback runs in a frame that began after the draw: the pixels are made.
        if (drawnAt > t0 && previewAt === undefined && now > drawnAt) previewAt = now;
        if (histogramAt !== undefined && previewAt !== undefined) {
          const previewMs = previewAt - t0;
          const histogramMs = histogramAt - t0;
          resolve({ value, histogramMs, previewMs, drawMs: drawnAt - t0, ms: Math.max(previewMs, histogramMs), triangles: Number(view!.dataset['renderedTriangles']) });
          return;
        }
        if (now - t0 > timeoutMs) reject(new Error(`slider ${name}=${value}: not shown after ${timeoutMs} ms (histogram ${histogramAt === undefined ? 'not updated' : 'updated'}, preview drawn at ${drawnAt})`));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    }));
  }, { value, timeoutMs, name });
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
