/**
 * The page's WebGL context budget: 3-D views register here, and only those on or near the screen
 * hold a live context — at most `max` (default 8) at once, the least recently visible released
 * first (the decision is `planBudget`, gl-budget-plan.ts). Chromium keeps at most 16 live WebGL
 * contexts a page and silently loses the oldest beyond that, so a teaching notebook with twenty
 * 3-D views would otherwise break.
 *
 * A view is *wanted* while an IntersectionObserver (viewport, grown by `rootMargin`) sees it, after
 * it takes focus or a click, and when code asks it for a frame (`demand()`, e.g. a capture). A
 * released view shows its last frame as an image (the client's `sleep()` does that) and comes
 * back live when wanted again. A view whose context the browser lost is paused (`lost()`) until
 * it scrolls back into view or is clicked or focused.
 *
 * Work is serialised: releases (each awaited: a client captures its frame first) run before
 * acquisitions, so the page never holds more than `max` contexts of registered views.
 * The budget's counters are on `window.__voxbookGlBudget` (for tests and the console).
 */
import { planBudget } from './gl-budget-plan.ts';

/** What a 3-D view gives the budget. */
export interface GlClient {
  /** The element whose visibility, focus and clicks count. */
  readonly element: HTMLElement;
  /** Create the context and draw (synchronously; errors are reported and the view stays released). */
  wake(): void;
  /** Keep the last frame (as an image) and release the context. */
  sleep(): Promise<void>;
}

/** A registration, answered by `register`. */
export interface GlTicket {
  /** Asks for a live context now (most recently visible); resolves once the view is live. */
  demand(): Promise<void>;
  /** The browser lost this view's context: it is released and paused until scrolled to, focused or clicked. */
  lost(): void;
  /** The view leaves the page (it has torn its window down itself). */
  unregister(): void;
}

/** Counters of one budget. */
export interface GlBudgetStats {
  /** Live contexts allowed at once. */
  max: number;
  /** Registered views. */
  views: number;
  /** Views holding a live context now. */
  live: number;
  /** Most live at once since the page loaded. */
  peak: number;
  /** Contexts given out and released (snapshot kept) so far. */
  wakes: number;
  sleeps: number;
  /** Contexts the browser lost (not released by the budget). */
  lost: number;
}

interface Entry {
  readonly id: number;
  readonly client: GlClient;
  live: boolean;
  visible: boolean;
  /** Asked for (focus, click, `demand()`) since its last release. */
  forced: boolean;
  /** Lost by the browser and not asked back yet. */
  paused: boolean;
  lastVisible: number;
  waiters: (() => void)[];
  readonly listeners: [string, EventListener][];
}

/** Default live contexts a page: half of Chromium's 16, leaving room for other WebGL on the page. */
export const DEFAULT_GL_BUDGET = 8;

export class GlBudget {
  readonly stats: GlBudgetStats;
  #entries = new Map<Element, Entry>();
  #ids = 0;
  #clock = 0;
  #observer: IntersectionObserver;
  #running = false;
  #dirty = false;

  /**
   * @param max live contexts at once (≥ 1).
   * @param rootMargin how far beyond the viewport a view counts as near (CSS margin syntax).
   */
  constructor(max = DEFAULT_GL_BUDGET, rootMargin = '100% 0px') {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a WebGL context budget must be a positive integer, not ${max}`);
    this.stats = { max, views: 0, live: 0, peak: 0, wakes: 0, sleeps: 0, lost: 0 };
    this.#observer = new IntersectionObserver((records) => this.#seen(records), { rootMargin });
  }

  register(client: GlClient): GlTicket {
    const element = client.element;
    if (this.#entries.has(element)) this.#drop(element);
    const entry: Entry = { id: ++this.#ids, client, live: false, visible: false, forced: false, paused: false, lastVisible: 0, waiters: [], listeners: [] };
    const ask = (): void => {
      if (!entry.live) void this.#demand(entry);
    };
    entry.listeners.push(['focusin', ask], ['pointerdown', ask]);
    for (const [type, fn] of entry.listeners) element.addEventListener(type, fn);
    this.#entries.set(element, entry);
    this.stats.views = this.#entries.size;
    this.#observer.observe(element);
    return {
      demand: () => this.#demand(entry),
      lost: () => {
        if (this.#entries.get(element) !== entry) return;
        entry.live = false;
        entry.paused = true;
        entry.forced = false;
        this.stats.lost++;
        this.#count();
        this.#schedule();
      },
      unregister: () => {
        if (this.#entries.get(element) === entry) this.#drop(element);
      },
    };
  }

  #drop(element: Element): void {
    const entry = this.#entries.get(element);
    if (!entry) return;
    this.#observer.unobserve(element);
    for (const [type, fn] of entry.listeners) element.removeEventListener(type, fn);
    this.#entries.delete(element);
    for (const resolve of entry.waiters.splice(0)) resolve();
    this.stats.views = this.#entries.size;
    this.#count();
    this.#schedule();
  }

  #demand(entry: Entry): Promise<void> {
    if (entry.live) return Promise.resolve();
    entry.forced = true;
    entry.paused = false;
    entry.lastVisible = ++this.#clock;
    const done = new Promise<void>((resolve) => entry.waiters.push(resolve));
    this.#schedule();
    return done;
  }

  #seen(records: IntersectionObserverEntry[]): void {
    for (const r of records) {
      const entry = this.#entries.get(r.target);
      if (!entry) continue;
      const wasVisible = entry.visible;
      entry.visible = r.isIntersecting;
      if (entry.visible) {
        entry.lastVisible = ++this.#clock;
        if (!wasVisible) entry.paused = false;
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    this.#dirty = true;
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const entries = [...this.#entries.values()];
        const byId = new Map(entries.map((e) => [e.id, e]));
        const plan = planBudget(
          entries.map((e) => ({ id: e.id, live: e.live, wanted: (e.visible || e.forced) && !e.paused, lastVisible: e.lastVisible })),
          this.stats.max,
        );
        for (const id of plan.release) {
          const e = byId.get(id)!;
          e.live = false;
          e.forced = false;
          try {
            await e.client.sleep();
          } catch (err) {
            console.warn('a 3-D view could not keep its last frame:', err);
          }
          this.stats.sleeps++;
          this.#count();
        }
        for (const id of plan.acquire) {
          const e = byId.get(id)!;
          if (this.#entries.get(e.client.element) !== e) continue;
          try {
            e.client.wake();
            e.live = true;
            this.stats.wakes++;
          } catch (err) {
            console.error('a 3-D view could not create its WebGL context:', err);
            e.paused = true;
          }
          this.#count();
          for (const resolve of e.waiters.splice(0)) resolve();
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #count(): void {
    let live = 0;
    for (const e of this.#entries.values()) if (e.live) live++;
    this.stats.live = live;
    this.stats.peak = Math.max(this.stats.peak, live);
  }
}

let page: GlBudget | undefined;

/**
 * The page's one budget, made on first use. Its size is `window.__voxbookGlMax` when a page (or a
 * test) set it before the first 3-D view, else `DEFAULT_GL_BUDGET`.
 */
export function pageGlBudget(): GlBudget {
  if (!page) {
    const w = window as unknown as { __voxbookGlMax?: number; __voxbookGlBudget?: GlBudgetStats };
    page = new GlBudget(w.__voxbookGlMax ?? DEFAULT_GL_BUDGET);
    w.__voxbookGlBudget = page.stats;
  }
  return page;
}
