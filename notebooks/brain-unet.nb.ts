// %% [markdown]
// # Brain extraction: a U-Net trained here, against a classic pipeline
//
// This notebook trains a 2-D U-Net on axial slices of a T1 MRI to find the brain, scores it
// against a classic method (Otsu + morphology + largest component + hole filling) by Dice,
// IoU, HD95 and ASSD on slices it never saw, shows where it is unsure, prints the brain, and
// fine-tunes it on a copy of the scan with a strong bias field and noise.
//
// The default scan is the Colin27 T1 (`ch2`, MRIcron, BSD-3-clause); the reference brain is
// its brain-extracted copy (`ch2bet`, non-zero = brain). Split by axial slab (voxel index k):
// the test slab is k 60–89 and nothing from k 55–94 is trained on; validation is k 110–119;
// training uses the rest.
//
// Headless: `npx voxbook run notebooks/brain-unet.nb.ts --out out/ -p epochs=4` writes
// `brain-mask.nii.gz`, `brain-confidence.nii.gz`, `metrics.json`, `brain.stl` and the executed notebook.

// %% id="parameters" tags=["parameters"]
/** The T1 MRI: a sample id or a NIfTI path. */
const image = 'mri-colin27';
/** The reference brain mask on the same grid (non-zero = brain): a sample file or a NIfTI path. */
const mask = 'mri-colin27/ch2bet.nii.gz';
/** Training epochs (each: every training slice once, augmented). */
const epochs = 14;
/** Fine-tuning epochs on the corrupted copy. */
const fineTuneEpochs = 2;
/** Slices are padded to a square and resampled to sliceSize² pixels for the model (217 → 160: 1.36 mm pixels). */
const sliceSize = 160;
/** Seeds the split sampling, augmentation, weights and the corrupted copy. */
const seed = 1;
/** tfjs backend: 'auto' (Node: wasm with Voxbook's kernels; browser: WebGPU, WebGL, then wasm), or one of 'wasm', 'webgl', 'webgpu', 'cpu'. */
const learningBackend = 'auto';

// %% id="load"
import {
  axialSlab, classicBrainMask, compareMasks, describeSource, download, encodeNifti, encodeStl, fillHoles, isosurface,
  keepLargestComponents, loadInput, markdown, meshView, metricsChart, metricsTable, sliceView, table, validateMesh, withData,
} from 'voxbook';
import {
  corruptVolume, fineTune, initLearning, predictVolume, probabilityToMask, sliceDataset, tfjsSliceModel, train,
  trainingMonitor, unet2d,
} from 'voxbook/learn';

const t1 = await loadInput(image, { signal, onProgress: progress('load image') });
const reference = await loadInput(mask, { signal, onProgress: progress('load mask') });
/** The reference brain as 0/1 on the T1's grid. */
const brain = withData(reference, Uint8Array.from(reference.data, (v) => (v !== 0 ? 1 : 0)));
describeSource(t1, image)

// %% id="split"
/** Slab ranges by axial index k, inclusive. */
const TEST: readonly [number, number] = [60, 89];
const HELD_OUT: readonly [number, number] = [55, 94];
const VALIDATION: readonly [number, number] = [110, 119];
const data = sliceDataset(t1, brain, { axis: 2, size: sliceSize, slabs: { validation: [VALIDATION], exclude: [HELD_OUT] }, augment: true, seed });
table({
  columns: ['set', 'axial slices (k)', 'count'],
  rows: [
    ['training', `0–${HELD_OUT[0] - 1}, ${HELD_OUT[1] + 1}–${VALIDATION[0] - 1}, ${VALIDATION[1] + 1}–${t1.dims[2] - 1}`, data.train.indices.length],
    ['validation', `${VALIDATION[0]}–${VALIDATION[1]}`, data.validation.indices.length],
    ['test (never trained on)', `${TEST[0]}–${TEST[1]}`, TEST[1] - TEST[0] + 1],
  ],
}, `Axial slices resampled to ${data.size}×${data.size}`)

// %% id="train"
const backend = await initLearning({ backend: learningBackend });
const model = unet2d({ inputSize: sliceSize, seed });
const monitor = trainingMonitor();
display(monitor);
const training = await train(model, data, { epochs, batchSize: 8, learningRate: 1e-3, signal, onUpdate: monitor.update, onProgress: progress('training') });
markdown(`**${training.status}** after ${training.epochs.length} epochs on the ${backend.backend} backend (${backend.threads} thread${backend.threads === 1 ? '' : 's'}); best validation Dice ${training.bestValDice?.toFixed(4) ?? '—'} at epoch ${training.bestEpoch ?? '—'}.`)

// %% id="predict"
// Whole-volume prediction with flip test-time augmentation; the mask is the largest
// component of p ≥ 0.5 with its holes filled (the same clean-up the classic pipeline ends with).
const prediction = await predictVolume(tfjsSliceModel(model), t1, { tta: 'flips', signal, onProgress: progress('prediction') });
const predicted = fillHoles(keepLargestComponents(probabilityToMask(prediction.probability)).mask);
/** Where the model is unsure: 1 − confidence (confidence = 1 − normalised entropy of the flip-averaged probability). */
const uncertainty = withData(prediction.confidence, Float32Array.from(prediction.confidence.data, (c) => 1 - c));
display(markdown('Axial slice 75: the predicted brain, the **probability** of brain over the MRI, and the **uncertainty** (1 − confidence) over it (viridis; clear where the model is sure).'));
display(sliceView(t1, { index: 75, windowCenterHu: 80, windowWidthHu: 160, overlay: predicted }));
display(sliceView(t1, { index: 75, windowCenterHu: 80, windowWidthHu: 160, heatmap: prediction.probability }));
sliceView(t1, { index: 75, windowCenterHu: 80, windowWidthHu: 160, heatmap: uncertainty })

// %% id="baseline"
const baseline = classicBrainMask(t1);
sliceView(t1, { index: 75, windowCenterHu: 80, windowWidthHu: 160, overlay: baseline.mask })

// %% id="metrics"
const onTest = (v: typeof predicted) => axialSlab(v, TEST[0], TEST[1]);
const metrics = {
  unet: compareMasks(onTest(brain), onTest(predicted)),
  baseline: compareMasks(onTest(brain), onTest(baseline.mask)),
};
display(metricsTable(metrics, { caption: `Test slab k ${TEST[0]}–${TEST[1]} against ${mask}` }));
display(metricsChart(metrics, { metric: 'dice' }));
download('metrics.json', metrics)

// %% id="export"
const surface = isosurface(prediction.probability, { isoValue: 0.5, mask: predicted });
const check = validateMesh(surface);
display(meshView(surface, { name: 'brain (U-Net)' }));
display(download('brain-mask.nii.gz', encodeNifti(predicted, { description: 'U-Net brain mask (voxbook)' })));
display(download('brain-confidence.nii.gz', encodeNifti(prediction.confidence, { description: 'U-Net confidence (voxbook)' })));
check.triangles > 0 && check.closed && check.edgeManifold
  ? download('brain.stl', encodeStl(surface))
  : markdown(check.triangles === 0
    ? '**No STL written:** the U-Net predicted no brain voxels, so the surface is empty.'
    : `**No STL written:** the surface is not closed and edge-manifold (${check.openEdges} open, ${check.nonManifoldEdges} non-manifold edges).`)

// %% id="finetune"
// A harder scan: the same T1 under a strong smooth bias field and noise. The trained model is
// copied, its encoder frozen, and the rest fine-tuned on the corrupted copy's training slabs.
const corrupted = corruptVolume(t1, { biasField: 0.8, noiseStd: 12, seed });
const diceOnCorrupted = async (m: typeof model) => {
  const p = await predictVolume(tfjsSliceModel(m), corrupted, { signal });
  return compareMasks(onTest(brain), onTest(fillHoles(keepLargestComponents(probabilityToMask(p.probability)).mask)));
};
const before = await diceOnCorrupted(model);
const tuned = unet2d({ inputSize: sliceSize, seed });
tuned.setWeights(model.getWeights());
const tuneMonitor = trainingMonitor();
display(tuneMonitor);
const corruptedData = sliceDataset(corrupted, brain, { axis: 2, size: sliceSize, slabs: { validation: [VALIDATION], exclude: [HELD_OUT] }, augment: true, seed: seed + 1 });
const tuning = await fineTune(tuned, corruptedData, { epochs: fineTuneEpochs, freezeEncoder: true, signal, onUpdate: tuneMonitor.update, onProgress: progress('fine-tuning') });
const after = await diceOnCorrupted(tuned);
display(sliceView(corrupted, { index: 75, windowCenterHu: 80, windowWidthHu: 200 }));
metricsTable({ 'U-Net on the corrupted scan': before, [`after fine-tuning (${tuning.frozenLayers.length} encoder layers frozen)`]: after }, { caption: `Test slab k ${TEST[0]}–${TEST[1]}, bias field and noise` })
