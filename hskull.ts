import { loadInv3 } from './cells/io/inv3.ts';
import { threshold } from './cells/segment/threshold.ts';
import { removeIslands } from './cells/segment/components.ts';
import { keepLargestComponents } from './cells/segment/largest.ts';
import { isosurface } from './cells/mesh/isosurface.ts';
import { hollowMesh, judgeManifold } from './cells/print/index.ts';
import { cached } from './test/helpers.ts';
const ct = await loadInv3(cached('Cranium.inv3'));
const m = threshold(ct, { minHu: 226, maxHu: 3071 });
const kept = keepLargestComponents(m, { count: 1 }).mask;
const mesh = isosurface(ct, { isoValue: 225.5, mask: kept });
console.log('skull tris', mesh.indices.length / 3);
for (const shellMm of [2, 3]) {
  const t = performance.now();
  const r = await hollowMesh(mesh, { shellMm });
  const dt = performance.now() - t;
  const j = await judgeManifold(r.mesh);
  console.log(JSON.stringify({ shellMm, seconds: (dt / 1000).toFixed(2), ...r, mesh: undefined, triangles: r.mesh.indices.length / 3, judge: { status: j.status, printable: j.printable, genus: j.genus, oursGenus: j.oursGenus, disagreements: j.disagreements } }));
}
