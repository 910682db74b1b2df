/**
 * What the kernel said, seen from the page: an init script wraps the page's `Worker` so every
 * message a worker posts back is recorded (a summary: type, cell, status, cached, restore
 * counts, time). Tests and the browser-cache bench use it to tell "restored" from "ran".
 */
import type { BrowserContext, Page } from 'playwright-core';

/** The summary kept of each kernel message. */
export interface SeenMessage {
  readonly type: string;
  readonly id?: string;
  readonly status?: string;
  readonly cached?: boolean;
  readonly restored?: number;
  readonly cells?: number;
  readonly ms?: number;
  /** `performance.now()` of the page when it arrived. */
  readonly t: number;
}

declare global {
  interface Window {
    __kernelMessages?: SeenMessage[];
  }
}

/** Records, from the next page load on, every message any Worker of the page posts back. */
export async function recordKernelMessages(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: SeenMessage[] = [];
    window.__kernelMessages = seen;
    const Base = window.Worker;
    window.Worker = class extends Base {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (e: MessageEvent) => {
          const m = e.data as Record<string, unknown>;
          seen.push({
            type: String(m.type), id: m.id as string, status: m.status as string, cached: m.cached as boolean,
            restored: m.restored as number, cells: m.cells as number, ms: m.ms as number, t: performance.now(),
          });
        });
      }
    };
  });
}

export const kernelMessages = (page: Page): Promise<SeenMessage[]> => page.evaluate(() => window.__kernelMessages ?? []);
export const clearKernelMessages = (page: Page): Promise<void> => page.evaluate(() => { window.__kernelMessages!.length = 0; });
/** Waits for the kernel's `restore-done` (sent after every notebook open). */
export const waitRestored = (page: Page, timeout = 120_000) => page.waitForFunction(() => (window.__kernelMessages ?? []).some((m) => m.type === 'restore-done'), undefined, { timeout });

/** The browser store's entries (kernel/browser/idb-store.ts meta records): key, estimated bytes, last use. */
export const idbEntries = (page: Page, name = 'voxbook-cache'): Promise<Array<{ key: string; bytes: number; usedAt: number }>> =>
  page.evaluate((dbName) => new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const q = db.transaction('meta').objectStore('meta').getAll();
      q.onsuccess = () => { db.close(); resolve(q.result as Array<{ key: string; bytes: number; usedAt: number }>); };
      q.onerror = () => { db.close(); reject(q.error); };
    };
  }), name);
