/**
 * Label tables as text: one label a line, "<value> <name> [anything else]" separated by
 * spaces or tabs — the form of MRIcron's atlas files (`aal.nii.txt`: "1 Precentral_L 2001",
 * the third column being AAL's own region code, ignored here). Blank lines and lines starting
 * with '#' are skipped. Colours come from Okabe & Ito's colour-blind-safe palette
 * (`LABEL_PALETTE`), by line order, so neighbouring labels (an atlas's left and right halves
 * of a region) differ.
 */
import { FormatError } from '../core/errors.ts';
import type { Label } from '../core/labelmap.ts';
import { LABEL_PALETTE } from '../viz/colormaps.ts';
import { inputName, readInput, type PickedFile } from './bytes.ts';

/**
 * Parses a label table (see the module comment).
 * @param source what the text came from, for error messages.
 * @throws FormatError for a line whose first field is not a whole number ≥ 0, a line with no
 *   name, or a value given twice.
 */
export function parseLabelTable(text: string, source = 'label table'): Label[] {
  const labels: Label[] = [];
  const seen = new Set<number>();
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [first, name] = line.split(/\s+/);
    const value = Number(first);
    if (!/^\d+$/.test(first ?? '') || !Number.isSafeInteger(value)) throw new FormatError(source, `line ${n + 1} ("${line.slice(0, 60)}") does not start with a label value (a whole number ≥ 0)`);
    if (!name) throw new FormatError(source, `line ${n + 1}: label ${value} has no name`);
    if (seen.has(value)) throw new FormatError(source, `line ${n + 1}: label ${value} is given twice`);
    seen.add(value);
    const hex = LABEL_PALETTE[labels.length % LABEL_PALETTE.length]!;
    labels.push({ value, name, color: [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)] });
  }
  return labels;
}

/**
 * Reads and parses a label table file (path, URL or picked file): `parseLabelTable`.
 * @throws InputNotFoundError / VoxbookError as `readBytes`; FormatError as `parseLabelTable`.
 */
export async function loadLabelTable(input: string | PickedFile): Promise<Label[]> {
  const bytes = await readInput(input);
  return parseLabelTable(new TextDecoder().decode(bytes), inputName(input));
}
