/**
 * The real samples Voxbook knows by name (DESIGN.md §5). Each comes from a Debian
 * package, so `apt-get download <package>` fetches the same bytes; `npm run fetch-data`
 * puts them into the data cache (datasets/cache.ts) with the layout given here, which is
 * also the layout of the shared copies (`../shared/datasets`).
 */

/** One thing to put into the cache: a file, or every regular file directly in a folder. */
export interface SampleItem {
  /** Path in the cache, relative, '/'-separated: 'Cranium.inv3', 'mri-colin27/ch2.nii.gz', 'dicom-conformance/'. A trailing '/' marks a folder. */
  readonly cachePath: string;
  /** Absolute path inside the installed Debian package (a folder for folder items); absent for derived data. */
  readonly packagePath?: string;
  /** For folder items taken from a package: which file names to copy. */
  readonly include?: RegExp;
  /** For folder items: how many files a complete copy holds (a folder with fewer is refused). */
  readonly files?: number;
}

export interface Sample {
  readonly id: string;
  /** One line for people. */
  readonly description: string;
  /** Debian package holding the bytes; absent when the sample is derived from another. */
  readonly debianPackage?: string;
  /** The sample id this one is derived from, and how. */
  readonly derivedFrom?: { readonly id: string; readonly how: string };
  /** SPDX-ish licence and who holds it. */
  readonly licence: string;
  readonly items: readonly SampleItem[];
  /** What `loadSample(id)` reads: a cache path (file, or folder for a DICOM series). */
  readonly main: string;
  /** Facts measured on the data, for tests and notebooks. */
  readonly facts?: Readonly<Record<string, string | number | readonly number[]>>;
}

export const SAMPLES: readonly Sample[] = [
  {
    id: 'ct-head-0051',
    description: 'Head CT "ProMED CT 0051", 256×256×108, 0.957×0.957×1.5 mm, int16 HU, as an InVesalius project with its bone and skin masks',
    debianPackage: 'invesalius-examples',
    licence: 'GPL-2.0 (InVesalius, CTI Renato Archer)',
    items: [{ cachePath: 'Cranium.inv3', packagePath: '/usr/share/doc/invesalius-examples/examples/Cranium.inv3' }],
    main: 'Cranium.inv3',
    facts: { dims: [256, 256, 108], minHu: -1024, maxHu: 2986, boneMinHu: 226, boneMaxHu: 3071, skinMinHu: -142, skinMaxHu: 2986 },
  },
  {
    id: 'ct-head-0051-dicom',
    description: 'The ct-head-0051 CT as a DICOM CT series: 108 single-slice files with shuffled names, uint16 with RescaleIntercept −1024, LPS',
    derivedFrom: { id: 'ct-head-0051', how: 'Cranium.inv3 written as a DICOM series (rows posterior, slices superior, grid centred on the origin)' },
    licence: 'GPL-2.0 (InVesalius, CTI Renato Archer)',
    items: [{ cachePath: 'ct-head-0051-dicom/', files: 108 }],
    main: 'ct-head-0051-dicom',
    facts: { files: 108, originMm: [-122.0215, -122.0215, -80.25] },
  },
  {
    id: 'mri-colin27',
    description: 'T1 MRI of one adult (Colin27, ch2.nii.gz) 181×217×181 at 1 mm, with a brain-extracted copy (ch2bet.nii.gz) and the AAL atlas (116 regions) on the same grid',
    debianPackage: 'mricron-data',
    licence: 'BSD-3-Clause (MRIcron); AAL atlas: research and teaching use per its authors',
    items: ['ch2.nii.gz', 'ch2bet.nii.gz', 'aal.nii.gz', 'aal.nii.txt'].map((f) => ({
      cachePath: `mri-colin27/${f}`,
      packagePath: `/usr/share/mricron/templates/${f}`,
    })),
    main: 'mri-colin27/ch2.nii.gz',
    facts: { dims: [181, 217, 181] },
  },
  {
    id: 'dicom-conformance',
    description: "pydicom's test files: CT/MR slices in many transfer syntaxes, files without meta headers, RT objects and broken files (MR_truncated.dcm, rtplan_truncated.dcm, …); loads CT_small.dcm",
    debianPackage: 'python3-pydicom',
    licence: "MIT (pydicom); see README.txt for each file's origin",
    items: [{ cachePath: 'dicom-conformance/', packagePath: '/usr/lib/python3/dist-packages/pydicom/data/test_files/', include: /\.dcm$|^README\.txt$/i }],
    main: 'dicom-conformance/CT_small.dcm',
  },
];

/** The sample with this id, or undefined. */
export function getSample(id: string): Sample | undefined {
  return SAMPLES.find((s) => s.id === id);
}

/**
 * Resolves a sample reference: `id` (its main file) or `id/<file>` (a file of the sample,
 * e.g. `mri-colin27/ch2bet.nii.gz`). Returns the sample and the cache-relative path, or
 * undefined if `ref` does not name a sample.
 */
export function resolveSampleRef(ref: string): { sample: Sample; cachePath: string } | undefined {
  const direct = getSample(ref);
  if (direct) return { sample: direct, cachePath: direct.main };
  const slash = ref.indexOf('/');
  if (slash <= 0) return undefined;
  const sample = getSample(ref.slice(0, slash));
  if (!sample) return undefined;
  const rest = ref.slice(slash + 1);
  if (rest === '' || rest.includes('..')) return undefined;
  const folderItem = sample.items.find((it) => it.cachePath.endsWith('/'));
  for (const it of sample.items) {
    if (it.cachePath === rest || it.cachePath.endsWith(`/${rest}`)) return { sample, cachePath: it.cachePath };
  }
  if (folderItem) return { sample, cachePath: folderItem.cachePath + rest };
  return undefined;
}
