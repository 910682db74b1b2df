/**
 * Messages between the editor (`client.ts`) and the language-service worker (`ts-worker.ts`).
 * Every request carries an `id`; the worker answers each with one response of that id, in
 * the order the requests came. Offsets are whole-file offsets (`notebook-file.ts`).
 */
import type { CompletionResult } from '@codemirror/autocomplete';
import type { HoverInfo } from '@valtown/codemirror-ts';
import type { FileDiagnostic } from './service.ts';

export type ServiceRequest =
  | { readonly id: number; readonly method: 'setText'; readonly text: string }
  | { readonly id: number; readonly method: 'diagnostics' }
  | { readonly id: number; readonly method: 'hover'; readonly offset: number }
  | { readonly id: number; readonly method: 'completions'; readonly offset: number; readonly explicit: boolean };

/** What each method answers. */
export interface ServiceResults {
  setText: null;
  diagnostics: FileDiagnostic[];
  hover: HoverInfo | null;
  completions: CompletionResult | null;
}

export type ServiceResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Sent once, unasked, when the worker has loaded its files: `ms` since the worker started. */
export interface ServiceReady {
  readonly ready: true;
  readonly ms: number;
}

/** Sent instead of `ServiceReady` when the worker could not load its files; it answers nothing useful after. */
export interface ServiceFailed {
  readonly failed: string;
}
