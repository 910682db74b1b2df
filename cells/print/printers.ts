/**
 * Printers the printability report checks against: a build volume and the thinnest wall the
 * process prints reliably. Presets for a common FDM printer and a common MSLA resin printer;
 * any other as a custom `Printer`.
 */
import { ParameterError } from '../core/errors.ts';

export type PrintProcess = 'fdm' | 'msla' | 'sla' | 'sls' | 'other';

export interface Printer {
  readonly name: string;
  /** Build volume [width X, depth Y, height Z], mm. */
  readonly buildMm: readonly [number, number, number];
  /** Thinnest wall the process prints reliably, mm (walls under it are reported as thin spots). */
  readonly minWallMm: number;
  readonly process: PrintProcess;
}

/**
 * Presets. `fdm-mk4`: Prusa MK4, 250 × 210 × 220 mm, 0.8 mm minimum wall (two perimeters
 * of a 0.4 mm nozzle). `msla-resin`: a 6-inch-class MSLA printer (e.g. Elegoo Mars 3),
 * 143 × 89 × 175 mm, 0.4 mm minimum unsupported wall.
 */
export const PRINTERS = {
  'fdm-mk4': { name: 'Prusa MK4 (FDM)', buildMm: [250, 210, 220], minWallMm: 0.8, process: 'fdm' },
  'msla-resin': { name: 'MSLA resin, 143 × 89 × 175 mm', buildMm: [143, 89, 175], minWallMm: 0.4, process: 'msla' },
} as const satisfies Record<string, Printer>;

export type PrinterPreset = keyof typeof PRINTERS;

/**
 * The printer named by a preset, or a custom one checked.
 * @throws ParameterError for an unknown preset name, or a build size / minimum wall that is not a positive finite number.
 */
export function resolvePrinter(printer: PrinterPreset | Printer): Printer {
  if (typeof printer === 'string') {
    const p = (PRINTERS as Record<string, Printer>)[printer];
    if (!p) throw new ParameterError(`unknown printer preset "${printer}"; use one of ${Object.keys(PRINTERS).join(', ')} or give { name, buildMm, minWallMm, process }`);
    return p;
  }
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (!Array.isArray(printer.buildMm) || printer.buildMm.length !== 3 || !printer.buildMm.every(ok)) {
    throw new ParameterError(`printer "${printer.name}": buildMm must be three positive sizes in mm [x, y, z] (got ${JSON.stringify(printer.buildMm)})`);
  }
  if (!ok(printer.minWallMm)) throw new ParameterError(`printer "${printer.name}": minWallMm must be a positive number of mm (got ${printer.minWallMm})`);
  return printer;
}
