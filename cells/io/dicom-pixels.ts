/**
 * Pixel-data checks and repairs around GDCM's decoder: what the header says the image
 * is (Rows, Columns, frames, samples, bits) must be what the file holds before decoding,
 * and what GDCM returns after; and two cases GDCM (as built in @itk-wasm/dicom 7.6)
 * decodes wrongly are put right here.
 */
import { FormatError } from '../core/errors.ts';
import type { VoxelArray } from '../core/volume.ts';
import { describeSopClass, describeTransferSyntax, TRANSFER_SYNTAXES, type DicomHeaderFacts } from './dicom-header.ts';

/**
 * Largest decoded pixel data Voxbook asks GDCM for, bytes. GDCM runs in 32-bit
 * WebAssembly (4 GiB of memory at most) and holds the decoded frames and the output
 * image at once, so anything above 1 GiB cannot be decoded there anyway; a header that
 * claims more is refused before anything is allocated.
 */
export const MAX_DECODED_BYTES = 1 << 30;

/** One file's image format, as its header gives it and the checks have accepted. */
export interface PixelFormat {
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  /** Decoded bytes the header implies: rows·columns·frames·samples·bitsAllocated/8 (1-bit: rounded up to whole bytes). */
  readonly neededBytes: number;
  /** Harmless oddities found (a few bytes of pixel data beyond what the header needs). */
  readonly warnings: readonly string[];
}

/**
 * NumberOfFrames (0028,0008) as a positive integer (1 when absent; 1 when empty, which
 * `checkPixelData` accepts only when the pixel data holds exactly one frame, with a
 * warning). @throws FormatError otherwise.
 */
export function frameCount(facts: DicomHeaderFacts, file: string): number {
  const t = facts.numberOfFrames;
  if (t === undefined || t === '') return 1;
  if (!/^\+?\d+$/.test(t) || Number(t) < 1) {
    throw new FormatError(file, `NumberOfFrames (0028,0008) is "${t}": it must be a whole number ≥ 1; fix the header (or remove the element for a single frame)`);
  }
  return Number(t);
}

/**
 * Checks, before decoding, that the file is a single-component image whose pixel data
 * can hold what its header claims. For native pixel data: its length ≥ the bytes Rows ×
 * Columns × frames × samples × BitsAllocated/8 need. For encapsulated (compressed) pixel
 * data: the transfer syntax is one Voxbook decodes, and there is at least one fragment
 * per frame. Files whose header walk did not complete (`facts.complete` false) are
 * checked on what was found.
 * @throws FormatError naming `file`: not an image (no Pixel Data), missing or zero
 *   Rows/Columns, a RescaleSlope/Intercept that is empty or not a finite number (or a
 *   slope of 0), an empty NumberOfFrames unless the pixel data holds exactly one frame
 *   (then 1, with a warning), several samples per pixel (RGB), an unusable BitsAllocated, an absurd
 *   size (over `MAX_DECODED_BYTES`), pixel data shorter than the header needs, an
 *   unsupported transfer syntax, or fewer compressed fragments than frames.
 */
export function checkPixelData(facts: DicomHeaderFacts, file: string): PixelFormat | undefined {
  const complete = facts.complete === true;
  const pd = facts.pixelData;
  if (pd === undefined) {
    if (!complete) return undefined; // the walk stopped early: GDCM decides
    const what = [
      facts.sopClassUid ? `SOP class ${describeSopClass(facts.sopClassUid)}` : '',
      facts.modality ? `modality ${facts.modality}` : '',
    ].filter(Boolean).join(', ');
    throw new FormatError(file, `no Pixel Data (7FE0,0010): this DICOM object is not an image${what ? ` (${what})` : ''}; Voxbook loads image series (CT, MR, …)`);
  }
  const ts = facts.transferSyntax;
  const { rows, columns } = facts;
  for (const [key, tag] of [['rows', '(0028,0010)'], ['columns', '(0028,0011)']] as const) {
    const v = facts[key];
    const label = `${key === 'rows' ? 'Rows' : 'Columns'} ${tag}`;
    if (v === undefined) throw new FormatError(file, `has Pixel Data but no ${label}: the image size is unknown, so the pixels cannot be laid out; fix the header`);
    if (!(v > 0)) throw new FormatError(file, `${label} is ${Number.isNaN(v) ? 'not a 16-bit number' : v}: it must be ≥ 1; fix the header`);
  }
  const samples = facts.samplesPerPixel ?? 1;
  if (samples !== 1) {
    const pi = facts.photometricInterpretation ? `, PhotometricInterpretation ${facts.photometricInterpretation}` : ', e.g. RGB';
    throw new FormatError(file, `${samples} components per pixel (SamplesPerPixel (0028,0002) = ${samples}${pi}); Voxbook volumes hold one value per voxel: convert the image to greyscale first`);
  }
  const bits = facts.bitsAllocated;
  if (bits === undefined || ![1, 8, 16, 32, 64].includes(bits)) {
    throw new FormatError(file, `BitsAllocated (0028,0100) is ${bits === undefined ? 'missing' : Number.isNaN(bits) ? 'not a 16-bit number' : bits}: Voxbook reads 1, 8, 16, 32 or 64 bits per sample; fix the header`);
  }
  for (const [text, label] of [[facts.rescaleSlope, 'RescaleSlope (0028,1053)'], [facts.rescaleIntercept, 'RescaleIntercept (0028,1052)']] as const) {
    if (text === '') {
      // Present but empty: invalid whatever the modality (Type 1 in the CT Image module; 1C in
      // the Modality LUT module, so non-empty whenever present). GDCM reads an empty slope as 1
      // or (padded with spaces) as 0, and an empty intercept as 0: CT would come out as stored
      // values labelled HU, or all one value. Refused for every modality rather than guessed.
      const isCt = facts.modality === 'CT' || facts.sopClassUid === CT_IMAGE_STORAGE;
      throw new FormatError(file, `${label} is present but empty: ${isCt
        ? 'the CT Image module requires it (Type 1), and without it the stored values cannot be turned into Hounsfield units (read as they are, a bone threshold would pick up soft tissue)'
        : 'an empty value is invalid (when present it must hold a number), and the stored values cannot be turned into real values without it'}; fill in the value from an intact copy of the file or the scanner's export${isCt ? '' : ' (or remove the element if the image has no rescale)'}`);
    }
    const v = text === undefined ? undefined : /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : NaN;
    if (v !== undefined && (!Number.isFinite(v) || (label.startsWith('RescaleSlope') && v === 0))) {
      throw new FormatError(file, `${label} is "${text}": it must be a finite decimal number${label.startsWith('RescaleSlope') ? ' other than 0' : ''}, or the stored values cannot be turned into ${facts.modality === 'CT' ? 'Hounsfield units' : 'real values'}; fix the header`);
    }
  }
  const warnings: string[] = [];
  if (complete && facts.sopClassUid === CT_IMAGE_STORAGE && (facts.rescaleSlope === undefined || facts.rescaleIntercept === undefined)) {
    // Type 1 in the CT Image module, but absent: the stored values are read as they are.
    const missing = [facts.rescaleSlope === undefined ? 'RescaleSlope (0028,1053)' : '', facts.rescaleIntercept === undefined ? 'RescaleIntercept (0028,1052)' : ''].filter(Boolean).join(' and ');
    warnings.push(`${missing} missing, although the CT Image module requires ${missing.includes(' and ') ? 'them' : 'it'}: ${facts.rescaleSlope === undefined ? 'slope 1' : ''}${missing.includes(' and ') ? ' and ' : ''}${facts.rescaleIntercept === undefined ? 'intercept 0' : ''} assumed, so the values are the stored ones; check they are Hounsfield units (air about −1000, water 0) before thresholding`);
  }
  const frames = frameCount(facts, file);
  const pixels = rows! * columns! * frames * samples;
  const neededBytes = bits === 1 ? Math.ceil(pixels / 8) : pixels * (bits / 8);
  const sizeText = `Rows×Columns×frames×samples×bytes = ${rows}×${columns}×${frames}×${samples}×${bits === 1 ? '1/8' : bits / 8}`;
  if (neededBytes > MAX_DECODED_BYTES) {
    throw new FormatError(file, `the header claims an image of ${neededBytes} bytes (${sizeText}), more than the ${MAX_DECODED_BYTES} bytes (1 GiB) the decoder can hold; the header is probably wrong (the file is ${pd.encapsulated ? 'compressed' : 'not that large'}), or split the series`);
  }
  if (!pd.encapsulated) {
    if (pd.length < neededBytes) {
      throw new FormatError(file, `pixel data holds ${pd.length} bytes but ${sizeText} needs ${neededBytes}: the pixel data is cut short or the header's image size is wrong (GDCM would pad it with invented voxels); use an intact copy of the file`);
    }
    // One byte pads an odd length to even. A whole row or more left over means the header
    // describes a smaller image than the file holds, and the rows would be misread.
    const excess = pd.length - neededBytes;
    const rowBytes = bits === 1 ? Math.ceil((columns! * samples) / 8) : columns! * samples * (bits / 8);
    const frameBytes = neededBytes / frames;
    if (facts.numberOfFrames === '') {
      if (excess > 1) {
        throw new FormatError(file, `NumberOfFrames (0028,0008) is present but empty (the Multi-frame module requires a number), and the pixel data (${pd.length} bytes) is not exactly one frame of ${neededBytes} bytes (Rows×Columns×samples×bytes = ${rows}×${columns}×${samples}×${bits === 1 ? '1/8' : bits / 8}), so the number of frames is unknown; fix NumberOfFrames in the header`);
      }
      warnings.push(EMPTY_FRAMES_WARNING);
    }
    if (excess >= frameBytes && excess > 1) {
      throw new FormatError(file, `pixel data holds ${pd.length} bytes but ${sizeText} needs only ${neededBytes}: ${excess} bytes (${(excess / frameBytes).toFixed(2)} frames) more than the header's image size, so Rows, Columns or NumberOfFrames is probably wrong and the image would be misread; fix the header`);
    }
    if (excess > 1) {
      warnings.push(`pixel data holds ${excess} bytes (${(excess / rowBytes).toFixed(2)} rows) more than the ${neededBytes} that Rows×Columns×frames need: the extra bytes at the end are ignored (as pydicom does); if the image looks sheared or cut, Rows or Columns is wrong`);
    }
  } else {
    const info = ts === undefined ? undefined : TRANSFER_SYNTAXES.get(ts);
    if (!info || !info.supported) {
      throw new FormatError(file, `pixel data is compressed as ${describeTransferSyntax(ts)}, which Voxbook does not decode${info ? '' : ' (not a transfer syntax it knows)'}; supported: ${supportedList()}. Convert the file (e.g. gdcmconv --raw, or dcmdjpeg/dcmdjp2k) and load the copy`);
    }
    if (facts.numberOfFrames === '') {
      if (pd.fragments !== 1 || pd.offsetTableEntries > 1) {
        throw new FormatError(file, `NumberOfFrames (0028,0008) is present but empty (the Multi-frame module requires a number), and the compressed pixel data holds ${pd.fragments} fragment${pd.fragments === 1 ? '' : 's'}${pd.offsetTableEntries > 1 ? ` with ${pd.offsetTableEntries} Basic Offset Table entries` : ''}, so the number of frames is unknown; fix NumberOfFrames in the header`);
      }
      warnings.push(EMPTY_FRAMES_WARNING);
    }
    if (pd.fragments < frames) {
      throw new FormatError(file, `NumberOfFrames (0028,0008) says ${frames} frame${frames === 1 ? '' : 's'} but the compressed pixel data holds ${pd.fragments} fragment${pd.fragments === 1 ? '' : 's'} (each frame needs at least one): frames are missing or the header is wrong`);
    }
    if (pd.offsetTableEntries !== 0 && pd.offsetTableEntries !== frames) {
      throw new FormatError(file, `the Basic Offset Table of the compressed pixel data lists ${pd.offsetTableEntries} frames but NumberOfFrames (0028,0008) says ${frames}: frames are missing or the header is wrong`);
    }
    if (pd.firstFragment !== undefined) {
      const found = codestreamSize(ts!, pd.firstFragment);
      const wrong = (what: string) => new FormatError(file, `the first compressed frame (${describeTransferSyntax(ts)}) is ${what}, but the header says Columns×Rows = ${columns}×${rows} with ${samples} sample${samples === 1 ? '' : 's'} per pixel of ${bits} bits: the header is wrong, and GDCM would decode the image into the wrong shape; fix the header`);
      if (found?.kind === 'image' && (found.width !== columns || found.height !== rows || found.components !== samples)) {
        throw wrong(`${found.width}×${found.height} with ${found.components} component${found.components === 1 ? '' : 's'} (from its ${found.source})`);
      }
      if (found?.kind === 'rle') {
        const plane = rows! * columns!;
        if (found.segments !== samples * Math.max(1, bits / 8) || (found.planeBytes !== plane && found.planeBytes !== plane + 1)) {
          throw wrong(`${found.segments} RLE segment${found.segments === 1 ? '' : 's'} (one per byte of each sample) of ${found.planeBytes} bytes (one per pixel) (from its RLE header and first segment)`);
        }
      }
    }
  }
  return { rows: rows!, columns: columns!, frames, samplesPerPixel: samples, bitsAllocated: bits, neededBytes, warnings };
}

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

const EMPTY_FRAMES_WARNING = 'NumberOfFrames (0028,0008) is present but empty (the Multi-frame module requires a number): read as 1 frame, since the pixel data holds exactly one frame; if the image looks wrong, the header is damaged';

/** What a compressed frame's own header says about its size. */
export type CodestreamSize =
  | { readonly kind: 'image'; readonly width: number; readonly height: number; readonly components: number; readonly source: string }
  | { readonly kind: 'rle'; readonly segments: number; readonly planeBytes: number };

/**
 * The image size a compressed frame's own header states, where it is cheap to read:
 * JPEG / JPEG-LS (the SOF marker: ITU T.81 B.2.2, T.87), JPEG 2000 (the SIZ marker:
 * ISO 15444-1 A.5.1), RLE (PS3.5 Annex G: the segment count and the first segment's
 * decoded length, counted without decoding into memory). Undefined when the stream is
 * not understood (GDCM then decides).
 */
export function codestreamSize(ts: string, b: Uint8Array): CodestreamSize | undefined {
  const u16 = (p: number) => (b[p]! << 8) | b[p + 1]!;
  const u32 = (p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  if (ts === '1.2.840.10008.1.2.5') {
    if (b.length < 64) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const segments = dv.getUint32(0, true);
    if (segments < 1 || segments > 15) return undefined;
    const start = dv.getUint32(4, true);
    const end = segments > 1 ? dv.getUint32(8, true) : b.length;
    if (start < 64 || end > b.length || end < start) return undefined;
    // PackBits: n < 128 copies n+1 literal bytes; n > 128 repeats the next byte 257-n times; 128 is a no-op.
    let planeBytes = 0;
    for (let p = start; p < end; ) {
      const c = b[p]!;
      if (c < 128) { planeBytes += c + 1; p += c + 2; } else if (c > 128) { planeBytes += 257 - c; p += 2; } else p += 1;
    }
    return { kind: 'rle', segments, planeBytes };
  }
  const jpeg = ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'];
  if (jpeg.includes(ts)) {
    if (u16(0) !== 0xffd8) return undefined;
    let p = 2;
    while (p + 9 < b.length) {
      if (b[p] !== 0xff) return undefined;
      const m = b[p + 1]!;
      if (m === 0xff) { p++; continue; }
      const isSof = (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
      if (isSof) {
        const height = u16(p + 5), width = u16(p + 7), components = b[p + 9]!;
        if (height === 0) return undefined; // height given later by a DNL marker
        return { kind: 'image', width, height, components, source: m === 0xf7 ? 'JPEG-LS header' : 'JPEG header' };
      }
      if (m === 0xda) return undefined; // scan data before any frame header
      p += 2 + u16(p + 2);
    }
    return undefined;
  }
  if (ts === '1.2.840.10008.1.2.4.90' || ts === '1.2.840.10008.1.2.4.91') {
    // A bare codestream starts with SOC, SIZ; some writers wrap it in a JP2 box: look for SOC+SIZ near the start.
    let p = -1;
    for (let i = 0; i + 1 < Math.min(b.length, 4096); i++) {
      if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) { p = i + 2; break; }
    }
    if (p < 0 || p + 40 > b.length) return undefined;
    const xsiz = u32(p + 6), ysiz = u32(p + 10), x0 = u32(p + 14), y0 = u32(p + 18);
    const components = u16(p + 38);
    return { kind: 'image', width: xsiz - x0, height: ysiz - y0, components, source: 'JPEG 2000 SIZ marker' };
  }
  return undefined;
}

function supportedList(): string {
  return [...TRANSFER_SYNTAXES.values()].filter((t) => t.supported).map((t) => t.name).join(', ');
}

/**
 * Puts right what GDCM (in @itk-wasm/dicom 7.6) decodes wrongly, in place, and returns
 * the array to use:
 * - 32-bit samples in Explicit VR Big Endian (1.2.840.10008.1.2.2) come back with their
 *   two 16-bit halves swapped (GDCM swaps 16-bit words): the halves are swapped back.
 *   With a rescale that is not the identity the raw values are lost, so that is refused.
 * - 1-bit samples (BitsAllocated 1, e.g. SEG) come back as 0/255: they become 0/1, the
 *   stored values (as pydicom gives them).
 * @throws FormatError naming `file` when the decoded values are not what these repairs
 *   expect (so a GDCM that has fixed the bug is noticed rather than broken).
 */
export function repairDecoded(data: VoxelArray, facts: DicomHeaderFacts, format: PixelFormat, file: string): VoxelArray {
  if (format.bitsAllocated === 32 && facts.transferSyntax === '1.2.840.10008.1.2.2') {
    const slope = facts.rescaleSlope === undefined || facts.rescaleSlope === '' ? 1 : Number(facts.rescaleSlope);
    const intercept = facts.rescaleIntercept === undefined || facts.rescaleIntercept === '' ? 0 : Number(facts.rescaleIntercept);
    if (slope !== 1 || intercept !== 0 || !(data instanceof Uint32Array || data instanceof Int32Array)) {
      throw new FormatError(file, `32-bit pixel data in Explicit VR Big Endian with a rescale (slope ${slope}, intercept ${intercept}) or as ${data.constructor.name}: GDCM decodes 32-bit big-endian samples with their 16-bit halves swapped, and Voxbook cannot undo that after the rescale; convert the file to little endian (e.g. dcmconv +te or gdcmconv --implicit) and load the copy`);
    }
    const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < u.length; i++) {
      const v = u[i]!;
      u[i] = ((v >>> 16) | (v << 16)) >>> 0;
    }
    return data;
  }
  if (format.bitsAllocated === 1) {
    if (!(data instanceof Uint8Array || data instanceof Int8Array)) {
      throw new FormatError(file, `1-bit pixel data came back from GDCM as ${data.constructor.name}, not bytes; Voxbook cannot check it`);
    }
    let other = -1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v === 255 || v === -1) data[i] = 1;
      else if (v !== 0 && v !== 1) { other = v; break; }
    }
    if (other !== -1) throw new FormatError(file, `1-bit pixel data came back from GDCM with the value ${other}; expected only 0 and 1 (or 255)`);
    return data;
  }
  return data;
}
