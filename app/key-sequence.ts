/**
 * Keys as the keymap names them, and the matching of key presses to bindings, sequences
 * (`D D`, `I I`) included. Pure: no DOM, so it is tested without a browser.
 *
 * A key name is modifiers then the key, joined by `+`: `Shift+Enter`, `Mod+S`, `Mod+Shift+P`,
 * `Alt+Enter`, `A`, `Escape`, `ArrowUp`. `Mod` is Cmd on macOS and Ctrl elsewhere; letters are
 * upper case; Shift is named only with a modifier or a non-printing key (Shift+A is `A`'s
 * upper case, and the keymap has no use for case). A sequence is key names separated by a
 * space, pressed one after the other within `SEQUENCE_TIMEOUT_MS`.
 */

/** The most time between two keys of a sequence (`D`, `D`), ms. */
export const SEQUENCE_TIMEOUT_MS = 1000;

/** The parts of a KeyboardEvent a key name is made of. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
}

/** The keymap's name of a key press (see the module comment); undefined for a lone modifier. */
export function keyName(press: KeyPress, mac: boolean): string | undefined {
  const { key } = press;
  if (key === 'Shift' || key === 'Control' || key === 'Alt' || key === 'Meta' || key === 'Dead' || key === 'Unidentified') return undefined;
  const mod = mac ? press.metaKey : press.ctrlKey;
  const other = mac ? press.ctrlKey : press.metaKey;
  const printable = key.length === 1;
  const parts: string[] = [];
  if (other) parts.push(mac ? 'Ctrl' : 'Meta');
  if (mod) parts.push('Mod');
  if (press.altKey) parts.push('Alt');
  if (press.shiftKey && (!printable || parts.length > 0)) parts.push('Shift');
  parts.push(key === ' ' ? 'Space' : printable ? key.toUpperCase() : key);
  return parts.join('+');
}

/** How a sequence is shown to people: `D,D`, `Ctrl+Shift+P` (or `⌘+Shift+P` on macOS). */
export function displayKeys(sequence: string, mac: boolean): string {
  return sequence
    .split(' ')
    .map((k) => k.replace(/\bMod\b/, mac ? '⌘' : 'Ctrl'))
    .join(',');
}

export interface KeyBinding<C> {
  /** A key name or a sequence of them (`D D`). */
  readonly keys: string;
  readonly command: C;
}

/** What a key press came to. `pending`: the first key of a sequence, waiting for the next. */
export type KeyMatch<C> = { readonly kind: 'command'; readonly command: C } | { readonly kind: 'pending' } | { readonly kind: 'none' };

/**
 * Matches key presses against bindings, one press at a time. A press that continues a
 * pending sequence completes it or, if it does not, is matched afresh on its own (D then A
 * inserts above, as in Jupyter). The pending prefix lapses after `timeoutMs`.
 */
export class KeySequencer<C> {
  readonly #bindings: readonly KeyBinding<C>[];
  readonly #timeoutMs: number;
  #pending: { readonly keys: string; readonly at: number } | undefined;

  constructor(bindings: readonly KeyBinding<C>[], timeoutMs = SEQUENCE_TIMEOUT_MS) {
    this.#bindings = bindings;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Feeds one key press (its `keyName`) at time `now` (ms), considering only the bindings
   * `allowed` accepts (e.g. those of the current mode).
   */
  feed(key: string, now: number, allowed: (command: C) => boolean = () => true): KeyMatch<C> {
    const pending = this.#pending && now - this.#pending.at <= this.#timeoutMs ? this.#pending.keys : undefined;
    this.#pending = undefined;
    if (pending !== undefined) {
      const match = this.#match(`${pending} ${key}`, now, allowed);
      if (match.kind !== 'none') return match;
    }
    return this.#match(key, now, allowed);
  }

  /** Forgets a pending sequence (the user clicked elsewhere, focus moved). */
  reset(): void {
    this.#pending = undefined;
  }

  #match(keys: string, now: number, allowed: (command: C) => boolean): KeyMatch<C> {
    const candidates = this.#bindings.filter((b) => allowed(b.command));
    const exact = candidates.find((b) => b.keys === keys);
    if (exact) return { kind: 'command', command: exact.command };
    if (candidates.some((b) => b.keys.startsWith(`${keys} `))) {
      this.#pending = { keys, at: now };
      return { kind: 'pending' };
    }
    return { kind: 'none' };
  }
}
