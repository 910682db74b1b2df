/**
 * The app's question before leaving a page with unsaved edits (its beforeunload handler), as
 * the library and showcase tests check it.
 */
import type { Page } from 'playwright-core';

/** Whether leaving the page now would ask the user first. */
export function wouldWarnOnLeave(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  });
}

/**
 * Types `first` (then `more`, up to 4 times) into the focused editor and asks, right after each
 * keystroke, whether leaving would warn, reading the save status in the same step: the autosave
 * may end at any moment on a loaded machine, so a keystroke whose write had already ended
 * before the read ('saved') is retried. Returns the last reading.
 */
export async function warningRightAfterEdit(page: Page, first: string, more = '!'): Promise<{ warn: boolean; status: string | null | undefined }> {
  let seen: { warn: boolean; status: string | null | undefined } | undefined;
  for (let attempt = 0; attempt < 5 && (seen === undefined || seen.status === 'saved'); attempt++) {
    await page.keyboard.type(attempt === 0 ? first : more);
    seen = await page.evaluate(() => {
      const status = document.querySelector('.vb-save-status')?.getAttribute('data-status');
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return { warn: event.defaultPrevented, status };
    });
  }
  return seen!;
}
