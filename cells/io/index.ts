/** Readers: real data into `Volume` (LPS mm, direction honoured). */
export { readBytes, readInput, inputName, isPickedFile, sha256Hex, isDirectory, exists, listFiles, isNode, isUrl, baseName, joinPath, type PickedFile } from './bytes.ts';
export { parseInv3, loadInv3, readInv3Mask, openInv3, readTar, type Inv3Info, type Inv3Mask, type Inv3Project, type TarEntry } from './inv3.ts';
export { parseNifti, loadNifti, type NiftiOptions } from './nifti.ts';
export { loadDicomSeries, checkDicomStructure, hasDicmMarker, type DicomHeaderFacts } from './dicom.ts';
export { loadVolume, SUPPORTED_INPUTS } from './load.ts';
export { volumeInfo, type VolumeInfo } from './info.ts';
export { encodeNifti, rasAffine, type EncodeNiftiOptions } from './nifti-write.ts';
export { encodeStl, decodeStl, DEFAULT_STL_HEADER, type EncodeStlOptions } from './stl.ts';
export { encodeObj, decodeObj, type EncodeObjOptions } from './obj.ts';
export { encodePly, decodePly, type EncodePlyOptions, type DecodedPly } from './ply.ts';
export { encode3mf, THREEMF_CORE_NS, THREEMF_MODEL_REL, type Encode3mfOptions } from './threemf.ts';
export { type MeshPart } from './mesh-export.ts';
export { parseLabelTable, loadLabelTable } from './label-table.ts';
