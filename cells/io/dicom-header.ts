/**
 * The DICOM header as Voxbook reads it itself, beside GDCM: an element walker (PS3.5 §7)
 * that checks every declared length against the file and records the values the loader
 * needs to check what GDCM decodes (image size, pixel format, geometry, transfer syntax).
 *
 * Why a second reader: GDCM reads a file whose pixel data is cut short and pads it, and
 * ITK turns a spacing of 0 or NaN into 1 mm; both would silently give a wrong print. The
 * walker decodes no pixels: it only finds where things are and what the header claims.
 */
import { inflateSync } from 'fflate';
import { FormatError } from '../core/errors.ts';

// ---------------------------------------------------------------------------------------
// Transfer syntaxes (PS3.6 Table A-1) and whether Voxbook (through itk-wasm's GDCM) decodes them.

/** A transfer syntax: its name in PS3.6 and whether Voxbook's DICOM reader decodes it. */
export interface TransferSyntaxInfo {
  readonly uid: string;
  readonly name: string;
  /** True when `loadDicomSeries` decodes pixel data in this syntax (through GDCM). */
  readonly supported: boolean;
  /** Pixel data is encapsulated (compressed fragments) rather than native. */
  readonly encapsulated: boolean;
}

const TS: readonly (readonly [string, string, boolean, boolean])[] = [
  // uid, name, supported, encapsulated
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian', true, false],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian', true, false],
  ['1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', false, true],
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', true, false],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian (retired)', true, false],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', true, true],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', true, true],
  ['1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5) (retired)', false, true],
  ['1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)', false, true],
  ['1.2.840.10008.1.2.4.54', 'JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (retired)', false, true],
  ['1.2.840.10008.1.2.4.55', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)', false, true],
  ['1.2.840.10008.1.2.4.56', 'JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (retired)', false, true],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', true, true],
  ['1.2.840.10008.1.2.4.58', 'JPEG Lossless, Non-Hierarchical (Process 15) (retired)', false, true],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', true, true],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression', true, true],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression', true, true],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', true, true],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', true, true],
  ['1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)', false, true],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression', false, true],
  ['1.2.840.10008.1.2.4.94', 'JPIP Referenced', false, false],
  ['1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', false, false],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', false, true],
  ['1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', false, true],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', false, true],
  ['1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', false, true],
  ['1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', false, true],
  ['1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', false, true],
  ['1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', false, true],
  ['1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', false, true],
  ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', false, true],
  ['1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', false, true],
  ['1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', false, true],
  ['1.2.840.10008.1.2.4.112', 'JPEG XL', false, true],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', false, true],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', false, true],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', false, true],
  ['1.2.840.10008.1.2.4.204', 'JPIP HTJ2K Referenced', false, false],
  ['1.2.840.10008.1.2.4.205', 'JPIP HTJ2K Referenced Deflate', false, false],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', true, true],
  ['1.2.840.10008.1.2.6.1', 'RFC 2557 MIME encapsulation (retired)', false, false],
  ['1.2.840.10008.1.2.6.2', 'XML Encoding (retired)', false, false],
  ['1.2.840.10008.1.2.7.1', 'SMPTE ST 2110-20 Uncompressed Progressive Active Video', false, false],
  ['1.2.840.10008.1.2.7.2', 'SMPTE ST 2110-20 Uncompressed Interlaced Active Video', false, false],
  ['1.2.840.10008.1.2.7.3', 'SMPTE ST 2110-30 PCM Digital Audio', false, false],
  ['1.2.840.10008.1.2.8.1', 'Deflated Image Frame Compression', false, true],
];

/** Every transfer syntax of PS3.6 Table A-1 that Voxbook knows, by UID. */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntaxInfo> = new Map(
  TS.map(([uid, name, supported, encapsulated]) => [uid, { uid, name, supported, encapsulated }]),
);

/** "JPEG 2000 Image Compression (1.2.840.10008.1.2.4.91)", or "unknown transfer syntax 1.2.3". */
export function describeTransferSyntax(uid: string | undefined): string {
  if (uid === undefined || uid === '') return 'no transfer syntax given (read as Explicit VR Little Endian)';
  const t = TRANSFER_SYNTAXES.get(uid);
  return t ? `${t.name} (${uid})` : `unknown transfer syntax ${uid}`;
}

const SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.481.1': 'RT Image Storage',
  '1.2.840.10008.5.1.4.1.1.481.2': 'RT Dose Storage',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set Storage',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
  '1.2.840.10008.5.1.4.1.1.9.1.1': '12-lead ECG Waveform Storage',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
};

/** "RT Plan Storage (1.2.840.10008.5.1.4.1.1.481.5)", or the UID alone when not in the short list. */
export function describeSopClass(uid: string): string {
  const n = SOP_CLASSES[uid];
  return n ? `${n} (${uid})` : uid;
}

// ---------------------------------------------------------------------------------------
// Header facts.

/** Where the pixel data is and how it is stored, as the walker found it. */
export type PixelDataFacts =
  | { readonly encapsulated: false; readonly offset: number; readonly length: number }
  | {
      readonly encapsulated: true;
      /** Fragments after the Basic Offset Table item. */
      readonly fragments: number;
      /** Entries in the Basic Offset Table (0 when it is empty). */
      readonly offsetTableEntries: number;
      /** The first fragment after the offset table (the start of frame 1's codestream): a view, not a copy. */
      readonly firstFragment?: Uint8Array;
    };

/**
 * Header values of one DICOM file, as text (DS/IS/CS/UI values, trimmed) or numbers (US
 * values). Top-level elements unless said otherwise. Absent means the file does not have
 * the element (or the walk stopped before it: see `complete`).
 */
export interface DicomHeaderFacts {
  transferSyntax?: string;
  sopClassUid?: string;
  modality?: string;
  seriesDescription?: string;
  seriesInstanceUid?: string;
  /** RescaleType (0028,1054), e.g. 'HU' or 'US' (unspecified); CT files usually omit it, meaning HU. */
  rescaleType?: string;
  /** Rows (0028,0010), Columns (0028,0011): NaN when the value is not one 16-bit number. */
  rows?: number;
  columns?: number;
  /** SamplesPerPixel (0028,0002), BitsAllocated (0028,0100), BitsStored (0028,0101), PixelRepresentation (0028,0103). */
  samplesPerPixel?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  /** NumberOfFrames (0028,0008), IS text; '' when the element is present but empty. */
  numberOfFrames?: string;
  photometricInterpretation?: string;
  /** PixelSpacing (0028,0030): "row spacing\column spacing", mm (DS text). */
  pixelSpacing?: string;
  /** ImagerPixelSpacing (0018,1164), DS text. */
  imagerPixelSpacing?: string;
  /** ImageOrientationPatient (0020,0037): six direction cosines, DS text. */
  imageOrientationPatient?: string;
  /** ImagePositionPatient (0020,0032): x\y\z of the first voxel, mm, DS text. */
  imagePositionPatient?: string;
  sliceThickness?: string;
  /** SpacingBetweenSlices (0018,0088), DS text. */
  spacingBetweenSlices?: string;
  /** RescaleSlope (0028,1053), RescaleIntercept (0028,1052), DS text; '' when present but empty. */
  rescaleSlope?: string;
  rescaleIntercept?: string;
  /** GridFrameOffsetVector (3004,000C) of RT Dose: frame offsets along the normal, mm. */
  gridFrameOffsetVector?: string;
  /**
   * From the multi-frame functional groups (5200,9229 shared; else the first item of
   * 5200,9230 per-frame): PixelSpacing, ImageOrientationPatient, SliceThickness and
   * SpacingBetweenSlices, used when the top level lacks them (enhanced CT/MR, SEG).
   */
  functionalGroups?: { pixelSpacing?: string; imageOrientationPatient?: string; sliceThickness?: string; spacingBetweenSlices?: string };
  /** ImagePositionPatient of each frame, from the per-frame functional groups, in frame order. */
  framePositions?: string[];
  pixelData?: PixelDataFacts;
  /**
   * True when the walk reached the end of the file: absent elements are really absent.
   * False when it met a structure it does not read (or a deflated dataset it could not
   * inflate); the loader then leaves those files to GDCM and checks what it can.
   */
  complete?: boolean;
  /** Why the walk stopped early, when `complete` is false. */
  incompleteReason?: string;
}

type TextKey =
  | 'transferSyntax' | 'sopClassUid' | 'modality' | 'seriesDescription' | 'seriesInstanceUid' | 'rescaleType'
  | 'numberOfFrames' | 'photometricInterpretation' | 'pixelSpacing' | 'imagerPixelSpacing' | 'imageOrientationPatient'
  | 'imagePositionPatient' | 'sliceThickness' | 'spacingBetweenSlices' | 'rescaleSlope' | 'rescaleIntercept' | 'gridFrameOffsetVector';
type UsKey = 'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated' | 'bitsStored' | 'pixelRepresentation';

const TEXT_TAGS: Record<number, TextKey> = {
  0x00020010: 'transferSyntax', 0x00080016: 'sopClassUid', 0x00080060: 'modality', 0x0008103e: 'seriesDescription',
  0x0020000e: 'seriesInstanceUid', 0x00281054: 'rescaleType', 0x00280008: 'numberOfFrames',
  0x00280004: 'photometricInterpretation', 0x00280030: 'pixelSpacing', 0x00181164: 'imagerPixelSpacing',
  0x00200037: 'imageOrientationPatient', 0x00200032: 'imagePositionPatient', 0x00180050: 'sliceThickness',
  0x00180088: 'spacingBetweenSlices', 0x00281053: 'rescaleSlope', 0x00281052: 'rescaleIntercept',
  0x3004000c: 'gridFrameOffsetVector',
};
/**
 * Elements whose empty value (zero length, or only spaces/NULs) is recorded as '' rather than
 * as absent: RescaleSlope/Intercept (Type 1 in the CT Image module, 1C in the Modality LUT
 * module: present means non-empty; GDCM reads an empty slope as 1 or as 0 depending on its
 * padding) and NumberOfFrames (Type 1 in the Multi-frame module). See checkPixelData.
 */
const EMPTY_IS_INVALID = new Set<TextKey>(['rescaleSlope', 'rescaleIntercept', 'numberOfFrames']);
const US_TAGS: Record<number, UsKey> = {
  0x00280010: 'rows', 0x00280011: 'columns', 0x00280002: 'samplesPerPixel', 0x00280100: 'bitsAllocated',
  0x00280101: 'bitsStored', 0x00280103: 'pixelRepresentation',
};
const PIXEL_DATA = 0x7fe00010;
const SHARED_GROUPS = 0x52009229;
const PER_FRAME_GROUPS = 0x52009230;
/** Functional-group macro sequences (PS3.3 C.7.6.16) holding the values we read, for implicit VR. */
const FG_SEQUENCES = new Set([0x00289110 /* PixelMeasures */, 0x00209113 /* PlanePosition */, 0x00209116 /* PlaneOrientation */]);

// ---------------------------------------------------------------------------------------
// The walker. Invariant: `dataset` and `items` return the offset just past what they
// consumed, or throw Truncated when a declared length runs past the end of the file;
// anything they do not understand throws Unparsed, and the check then defers to GDCM.

class Truncated extends Error {}
class Unparsed extends Error {}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

interface Mode { readonly explicit: boolean; readonly little: boolean }

/** Where in the dataset tree the walker is: the top level, or inside a functional-group sequence. */
type Context = 0 | typeof SHARED_GROUPS | typeof PER_FRAME_GROUPS;

const latin1 = new TextDecoder('latin1');

class Walker {
  readonly dv: DataView;
  /** Items seen so far of the per-frame functional group sequence (frame index + 1). */
  perFrameItem = 0;
  constructor(readonly b: Uint8Array, readonly facts: DicomHeaderFacts) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u16(p: number, little: boolean): number { return this.dv.getUint16(p, little); }
  u32(p: number, little: boolean): number { return this.dv.getUint32(p, little); }
  tagAt(p: number, little: boolean): number { return ((this.u16(p, little) << 16) | this.u16(p + 2, little)) >>> 0; }
  text(start: number, len: number): string {
    return latin1.decode(this.b.subarray(start, start + len)).replace(/[\0 ]+$/, '').trim();
  }

  /**
   * Elements from `pos` to `end` (a defined-length item or the file), or until an item
   * delimiter when `inItem` (an undefined-length item).
   */
  dataset(pos: number, end: number, mode: Mode, inItem: boolean, depth: number, ctx: Context, stopAtGroup?: number): number {
    if (depth > 64) throw new Unparsed('nesting too deep');
    for (;;) {
      if (pos + 8 > end) {
        if (inItem) throw new Truncated(`an item of undefined length is not closed: the file ends at byte ${end}`);
        return end; // at most a few trailing padding bytes
      }
      const tag = this.tagAt(pos, mode.little);
      if (stopAtGroup !== undefined && tag >>> 16 !== stopAtGroup) return pos;
      if (tag === 0xfffee00d) {
        if (inItem) return pos + 8;
        throw new Unparsed('item delimiter outside an item');
      }
      if (tag >>> 16 === 0xfffe) throw new Unparsed('item tag inside a dataset');
      let vr: string | undefined;
      let len: number;
      let valueStart: number;
      if (mode.explicit) {
        vr = String.fromCharCode(this.b[pos + 4]!, this.b[pos + 5]!);
        if (!/^[A-Z]{2}$/.test(vr)) throw new Unparsed(`bad VR at ${pos}`);
        if (LONG_VRS.has(vr)) {
          if (pos + 12 > end) throw new Truncated(`element ${fmtTag(tag)} header is cut off at byte ${end}`);
          len = this.u32(pos + 8, mode.little);
          valueStart = pos + 12;
        } else {
          len = this.u16(pos + 6, mode.little);
          valueStart = pos + 8;
        }
      } else {
        len = this.u32(pos + 4, mode.little);
        valueStart = pos + 8;
      }
      const childCtx: Context = depth === 0 ? (tag === SHARED_GROUPS || tag === PER_FRAME_GROUPS ? tag : 0) : ctx;
      if (len === UNDEFINED) {
        if (depth === 0 && tag === PIXEL_DATA) {
          pos = this.encapsulated(valueStart, mode);
          continue;
        }
        // Sequences, and UN of undefined length (implicit VR LE inside).
        const inner: Mode = vr === 'UN' ? { explicit: false, little: true } : mode;
        pos = this.items(valueStart, inner, tag, depth + 1, childCtx);
        continue;
      }
      if (valueStart + len > end) {
        if (end < this.b.length) throw new Unparsed(`element ${fmtTag(tag)} runs past the end of its item`);
        throw new Truncated(`element ${fmtTag(tag)} declares ${len} bytes at byte ${valueStart}, but the file ends at byte ${end} (${valueStart + len - end} bytes missing)`);
      }
      if (depth === 0) this.record(tag, valueStart, len, mode);
      else if (ctx !== 0) this.recordNested(tag, valueStart, len, ctx);
      // Descend into defined-length sequences only where values are wanted: the functional groups.
      if (childCtx !== 0 && (vr === 'SQ' || (vr === undefined && (depth === 0 || FG_SEQUENCES.has(tag))))) {
        try {
          this.definedItems(valueStart, valueStart + len, mode, depth + 1, childCtx, tag);
        } catch (e) {
          if (!(e instanceof Unparsed)) throw e; // its length is known: skip what cannot be read
        }
      }
      pos = valueStart + len;
    }
  }

  record(tag: number, start: number, len: number, mode: Mode): void {
    const t = TEXT_TAGS[tag];
    if (t) {
      // An empty value (type 2 elements) means "unknown": recorded as absent, except where
      // an empty value is itself a fault the loader must see (EMPTY_IS_INVALID).
      const v = this.text(start, len);
      if (v !== '' || EMPTY_IS_INVALID.has(t)) this.facts[t] = v;
      return;
    }
    const u = US_TAGS[tag];
    if (u) {
      this.facts[u] = len === 2 ? this.u16(start, mode.little) : NaN;
      return;
    }
    if (tag === PIXEL_DATA) this.facts.pixelData = { encapsulated: false, offset: start, length: len };
  }

  recordNested(tag: number, start: number, len: number, ctx: Context): void {
    if (tag === 0x00200032 && ctx === PER_FRAME_GROUPS) {
      (this.facts.framePositions ??= []).push(this.text(start, len));
      return;
    }
    const key = tag === 0x00280030 ? 'pixelSpacing' : tag === 0x00200037 ? 'imageOrientationPatient'
      : tag === 0x00180050 ? 'sliceThickness' : tag === 0x00180088 ? 'spacingBetweenSlices' : undefined;
    if (key === undefined) return;
    // Shared groups win; from the per-frame groups, only the first frame's value.
    if (ctx === PER_FRAME_GROUPS && this.perFrameItem > 1) return;
    const fg = (this.facts.functionalGroups ??= {});
    const v = this.text(start, len);
    if (v !== '' && (ctx === SHARED_GROUPS || fg[key] === undefined)) fg[key] = v;
  }

  /** Items of an undefined-length sequence up to the sequence delimiter. */
  items(pos: number, mode: Mode, owner: number, depth: number, ctx: Context): number {
    const end = this.b.length;
    for (;;) {
      if (pos + 8 > end) throw new Truncated(`element ${fmtTag(owner)} (undefined length) is not closed: the file ends at byte ${end}`);
      const tag = this.tagAt(pos, mode.little);
      const len = this.u32(pos + 4, mode.little);
      if (tag === 0xfffee0dd) return pos + 8;
      if (tag !== 0xfffee000) throw new Unparsed(`expected an item in ${fmtTag(owner)} at ${pos}`);
      if (owner === PER_FRAME_GROUPS) this.perFrameItem++;
      if (len === UNDEFINED) {
        pos = this.dataset(pos + 8, end, mode, true, depth + 1, ctx);
      } else {
        if (pos + 8 + len > end) {
          throw new Truncated(`an item of ${fmtTag(owner)} declares ${len} bytes at byte ${pos + 8}, but the file ends at byte ${end} (${pos + 8 + len - end} bytes missing)`);
        }
        if (ctx !== 0) {
          try {
            this.dataset(pos + 8, pos + 8 + len, mode, false, depth + 1, ctx);
          } catch (e) {
            if (!(e instanceof Unparsed)) throw e;
          }
        }
        pos += 8 + len;
      }
    }
  }

  /** Items of a defined-length sequence value [pos, end). */
  definedItems(pos: number, end: number, mode: Mode, depth: number, ctx: Context, owner: number): void {
    while (pos + 8 <= end) {
      const tag = this.tagAt(pos, mode.little);
      const len = this.u32(pos + 4, mode.little);
      if (tag !== 0xfffee000) throw new Unparsed(`expected an item in ${fmtTag(owner)} at ${pos}`);
      if (owner === PER_FRAME_GROUPS) this.perFrameItem++;
      if (len === UNDEFINED) {
        pos = this.dataset(pos + 8, end, mode, true, depth + 1, ctx);
      } else {
        if (pos + 8 + len > end) throw new Unparsed(`an item of ${fmtTag(owner)} runs past its sequence`);
        this.dataset(pos + 8, pos + 8 + len, mode, false, depth + 1, ctx);
        pos += 8 + len;
      }
    }
  }

  /** Encapsulated pixel data (PS3.5 §A.4): the Basic Offset Table item, then fragments, then the delimiter. */
  encapsulated(pos: number, mode: Mode): number {
    const end = this.b.length;
    let items = 0;
    let offsetTableEntries = 0;
    let firstFragment: Uint8Array | undefined;
    for (;;) {
      if (pos + 8 > end) throw new Truncated(`element ${fmtTag(PIXEL_DATA)} (encapsulated) is not closed: the file ends at byte ${end}`);
      const tag = this.tagAt(pos, mode.little);
      const len = this.u32(pos + 4, mode.little);
      if (tag === 0xfffee0dd) {
        this.facts.pixelData = { encapsulated: true, fragments: Math.max(0, items - 1), offsetTableEntries, ...(firstFragment ? { firstFragment } : {}) };
        return pos + 8;
      }
      if (tag !== 0xfffee000 || len === UNDEFINED) throw new Unparsed(`expected a fragment in ${fmtTag(PIXEL_DATA)} at ${pos}`);
      if (pos + 8 + len > end) {
        throw new Truncated(`a fragment of ${fmtTag(PIXEL_DATA)} declares ${len} bytes at byte ${pos + 8}, but the file ends at byte ${end} (${pos + 8 + len - end} bytes missing)`);
      }
      if (items === 0) offsetTableEntries = len / 4;
      else if (items === 1) firstFragment = this.b.subarray(pos + 8, pos + 8 + len);
      items++;
      pos += 8 + len;
    }
  }
}

/** "(7FE0,0010)" */
export function fmtTag(tag: number): string {
  const h = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${h(tag >>> 16)},${h(tag & 0xffff)})`;
}

/** True if the bytes carry the DICOM Part 10 marker "DICM" at offset 128. */
export function hasDicmMarker(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/**
 * Walks a DICOM file's elements (PS3.5 §7: explicit/implicit VR, both byte orders,
 * undefined-length sequences, encapsulated pixel data; a deflated dataset is inflated
 * first) to check that every declared length fits in the file, and returns the header
 * values the loader checks GDCM's output against (`DicomHeaderFacts`).
 * Structures it does not understand end the walk with `complete: false`.
 * @throws FormatError naming `name` when the file is truncated.
 */
export function checkDicomStructure(b: Uint8Array, name: string): DicomHeaderFacts {
  const facts: DicomHeaderFacts = {};
  let w = new Walker(b, facts);
  try {
    let pos = 0;
    let mode: Mode;
    if (hasDicmMarker(b)) {
      pos = w.dataset(132, b.length, { explicit: true, little: true }, false, 0, 0, 0x0002);
      const ts = facts.transferSyntax ?? '';
      if (ts === '1.2.840.10008.1.2.1.99') {
        // Deflated: the rest of the file is a raw DEFLATE stream (RFC 1951) of an explicit VR LE dataset.
        let inflated: Uint8Array;
        try {
          inflated = inflateSync(b.subarray(pos));
        } catch (e) {
          throw new Unparsed(`the deflated dataset does not inflate (${e instanceof Error ? e.message : String(e)})`);
        }
        w = new Walker(inflated, facts);
        pos = 0;
      }
      mode = ts === '1.2.840.10008.1.2' ? { explicit: false, little: true }
        : ts === '1.2.840.10008.1.2.2' ? { explicit: true, little: false }
        : { explicit: true, little: true };
    } else {
      // No Part 10 header: guess byte order from the first group number, VR mode from bytes 4–5.
      if (b.length < 8) throw new Truncated(`only ${b.length} bytes`);
      const little = !(b[0] === 0 && b[1] !== 0);
      mode = { explicit: /^[A-Z]{2}$/.test(String.fromCharCode(b[4]!, b[5]!)), little };
      // Only judge files that start like a dataset: an even group of the header modules.
      const group = w.u16(0, little);
      if (group % 2 !== 0 || group > 0x0010 || group === 0) throw new Unparsed('it does not start with a DICOM element (and has no "DICM" file meta header)');
    }
    try {
      w.dataset(pos, w.b.length, mode, false, 0, 0);
    } catch (e) {
      // Some writers declare an explicit VR transfer syntax (or none) but write the dataset
      // in implicit VR; pydicom and GDCM both read those. Retry so, and keep the retry only
      // if it reads the whole file.
      if (!(e instanceof Unparsed) || !mode.explicit || !mode.little) throw e;
      const meta: DicomHeaderFacts = { ...(facts.transferSyntax !== undefined ? { transferSyntax: facts.transferSyntax } : {}) };
      const retry: DicomHeaderFacts = { ...meta };
      try {
        new Walker(w.b, retry).dataset(pos, w.b.length, { explicit: false, little: true }, false, 0, 0);
      } catch {
        throw e;
      }
      for (const k of Object.keys(facts) as (keyof DicomHeaderFacts)[]) delete facts[k];
      Object.assign(facts, retry);
    }
    facts.complete = true;
  } catch (e) {
    if (e instanceof Truncated) throw new FormatError(name, `truncated DICOM file: ${e.message}`);
    if (!(e instanceof Unparsed)) throw e;
    facts.complete = false;
    facts.incompleteReason = e.message;
  }
  return facts;
}
