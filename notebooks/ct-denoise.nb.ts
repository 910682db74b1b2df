// %% [markdown]
// # Denoising a low-dose head CT: Gaussian, median, and a small CNN trained here
//
// A full-dose head CT gets simulated low-dose noise; three denoisers clean it up — a Gaussian
// filter, a median filter, and a small residual CNN (DnCNN-like) trained in this notebook on
// patches of the same scan away from the test slab. They are scored against the clean CT on
// the test slab by MSE, PSNR and SSIM, and by what matters for printing: how well the bone
// mask thresholded from each image matches the clean CT's bone mask (Dice).
//
// Run it in the browser (`npm start`) or headless:
// `npx voxbook run notebooks/ct-denoise.nb.ts --out out/ -p doseFraction=0.1 -p epochs=4`.
//
// The default input is the sample head CT *ProMED CT 0051* from InVesalius (GPL-2), fetched by
// `npm run fetch-data`; a DICOM folder, NIfTI file or `.inv3` project works too.

// %% id="parameters" tags=["parameters"]
/** A DICOM folder, a NIfTI file (.nii, .nii.gz), an InVesalius project (.inv3), or a sample id. */
const input = 'ct-head-0051';
/** Dose of the simulated scan as a fraction of the original's (0.25 = quarter dose). */
const doseFraction = 0.25;
/** Noise σ already in the full-dose scan, HU: the scale of the simulated noise (added σ = σ·√(1/f − 1)). */
const fullDoseSigmaHu = 30;
/** In-plane correlation of the simulated noise, σ in mm (0 = white noise). */
const noiseCorrelationMm = 0;
/** The Gaussian filter's σ, mm (the same in x, y and z). */
const gaussianSigmaMm = 0.5;
/** The median filter's box, voxels (odd; the same in x, y and z). */
const medianSize = 3;
/** Training epochs of the CNN (50 steps of 16 patches of 40×40 pixels each). */
const epochs = 16;
/** Seed of the noise, the CNN's initial weights and the patch sampling. */
const seed = 1;
/** Test slab: axial slices k = testFirst…testLast; training keeps `gapSlices` away from it on each side. */
const testFirst = 50;
const testLast = 59;
const gapSlices = 5;
/** Bone threshold in Hounsfield units (InVesalius's "Bone" preset: minHu…3071). */
const minHu = 226;
/** tfjs backend: 'auto' (wasm in Node; WebGPU, WebGL or wasm in the browser), 'wasm', 'cpu', 'webgl' or 'webgpu'. */
const learningBackend = 'auto';

// %% id="load"
import {
  axialSlab, compareImages, compareMasks, describeSource, gaussianFilter, loadInput, markdown, medianFilter,
  metricsChart, metricsTable, simulateLowDose, sliceView, table, threshold, valueRange,
} from 'voxbook';
import { denoiseCnn, denoiseTrainingView, denoiseVolume, initLearning, trainDenoiser } from 'voxbook/learn';

const ct = await loadInput(input, { signal, onProgress: progress('load') });
describeSource(ct, input)

// %% id="noise"
// Image-domain low-dose model (cells/preprocess/noise.ts): Gaussian noise of σ_full·√(1/f − 1)
// added to every voxel, so the total noise is σ_full/√f. No projection-domain effects (streaks
// behind bone, photon starvation) — a simplification, stated.
const lowDose = simulateLowDose(ct, { doseFraction, fullDoseSigmaHu, correlationSigmaMm: noiseCorrelationMm, seed, signal });
const noisy = lowDose.volume;
markdown(`Dose ${doseFraction} of the original: added noise σ = ${lowDose.addedSigmaHu.toFixed(1)} HU (total ${lowDose.lowDoseSigmaHu.toFixed(1)} HU from a full-dose ${fullDoseSigmaHu} HU), ${noiseCorrelationMm > 0 ? `correlated in-plane by a ${noiseCorrelationMm} mm Gaussian` : 'white'}, seed ${seed}.`)

// %% id="classic"
const gaussian = gaussianFilter(noisy, { sigmaMm: gaussianSigmaMm, signal, onProgress: progress('gaussian') });
const median = medianFilter(noisy, { size: medianSize, signal, onProgress: progress('median') });

// %% id="split"
// Split by axial slab: the test slab is never seen in training, nor are `gapSlices` slices
// on either side of it (neighbouring slices look alike).
const nz = ct.dims[2];
const trainSlices = ([[0, testFirst - gapSlices - 1], [testLast + gapSlices + 1, nz - 1]] as const)
  .filter(([a, b]) => a <= b) as Array<readonly [number, number]>;
markdown(`Test slab: k ${testFirst}–${testLast} (${testLast - testFirst + 1} slices). Training patches from k ${trainSlices.map(([a, b]) => `${a}–${b}`).join(' and ')}; k ${testFirst - gapSlices}–${testLast + gapSlices} unused for training. No validation set: the number of steps is fixed.`)

// %% id="train"
const backend = await initLearning({ backend: learningBackend });
const cnn = denoiseCnn({ layers: 5, channels: 16, seed });
const _live = display(markdown(`Training a ${cnn.countParams()}-parameter CNN on ${backend.backend}…`));
const training = await trainDenoiser(cnn, { noisy, clean: ct, trainSlices }, {
  epochs, stepsPerEpoch: 50, batchSize: 16, patchSize: 40, learningRate: 1e-3, seed, signal, onProgress: progress('training'),
  onUpdate: (p) => _live.update(denoiseTrainingView(p)),
});

// %% id="evaluate"
// Everything is scored on the test slab. dataRange = the clean CT's range (max − min), which
// sets PSNR's peak and SSIM's constants; SSIM per axial slice (Wang et al. 2004, skimage's).
const clean = axialSlab(ct, testFirst, testLast);
const _range = valueRange(ct);
const dataRange = _range.max - _range.min;
const denoised = {
  noisy: axialSlab(noisy, testFirst, testLast),
  gaussian: axialSlab(gaussian, testFirst, testLast),
  median: axialSlab(median, testFirst, testLast),
  cnn: await denoiseVolume(cnn, axialSlab(noisy, testFirst, testLast), { signal }),
};
const imageMetrics = Object.entries(denoised).map(([method, v]) => ({ method, ...compareImages(clean, v, { dataRange }) }));
display(metricsTable(imageMetrics, { metrics: ['mse', 'mae', 'psnrDb', 'ssim'], caption: `Test slab k ${testFirst}–${testLast} vs the clean CT (dataRange ${dataRange} HU); Gaussian σ ${gaussianSigmaMm} mm, median ${medianSize}³` }));
metricsChart(imageMetrics, { metric: 'psnrDb', title: 'PSNR vs the clean CT, dB (higher is better)' })

// %% id="look"
// The middle test slice in a soft-tissue window (centre 40, width 400 HU), where noise shows.
const _k = Math.floor((testLast - testFirst) / 2);
const _window = { index: _k, windowCenterHu: 40, windowWidthHu: 400 };
for (const [name, v] of Object.entries({ clean, ...denoised })) {
  display(markdown(`**${name}**, axial slice k ${testFirst + _k}`));
  display(sliceView(v, _window));
}

// %% id="bone"
// Bone masks thresholded at minHu…3071 HU from each image, against the clean CT's.
const cleanBone = threshold(clean, { minHu, maxHu: 3071 });
const boneMetrics = Object.entries(denoised).map(([method, v]) => ({ method, ...compareMasks(cleanBone, threshold(v, { minHu, maxHu: 3071 })) }));
display(metricsTable(boneMetrics, { metrics: ['dice', 'iou', 'sensitivity', 'precision', 'hd95Mm', 'assdMm'], caption: `Bone ${minHu}…3071 HU on the test slab vs the clean CT's bone mask` }));
display(metricsChart(boneMetrics, { metric: 'dice', title: 'Bone Dice vs the clean CT' }));
table({
  columns: ['', 'value'],
  rows: [
    ['CNN training time, s', +training.seconds.toFixed(1)],
    ['CNN parameters', training.parameters],
    ['backend', `${backend.backend} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})`],
    ['final training RMSE, HU', +(training.epochs.at(-1)?.rmseHu ?? NaN).toFixed(1)],
    ['noisy input RMSE on training patches, HU', +training.inputRmseHu.toFixed(1)],
  ],
}, 'Run')
