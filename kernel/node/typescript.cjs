// The TypeScript compiler for the Node kernel, loaded by require: imported as an ES module
// (through tsx's loader hooks and Node's CommonJS export scan of its 9 MB file) it takes
// 3–6× longer. The exports are assigned through a variable so that Node's scan of this shim
// does not follow them into typescript.js. package.json "imports" maps #typescript here under
// the "node" condition; elsewhere (the browser bundle) to the package itself.
//
// typescript.js is compiled with V8's code cache: the first run in a folder stores V8's
// compiled code in <tmpdir>/voxbook-v8-<uid>/ (keyed by the file's path, size and time and
// by Node's version), later runs load it instead of compiling 9 MB again (~200 → ~80 ms on
// every kernel start, docs/research/whole-run-profile.md). V8 checks the cache against the
// source and its own version and flags and rejects one that does not fit (then it is
// compiled as usual and the cache written again); any failure here falls back to require.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { threadId } = require('node:worker_threads');

function loadWithCodeCache() {
  const file = require.resolve('typescript');
  if (require.cache[file]) return require.cache[file].exports;
  const source = fs.readFileSync(file, 'utf8');
  const stat = fs.statSync(file);
  const key = crypto.createHash('sha256').update(JSON.stringify([file, stat.size, stat.mtimeMs, process.version, process.arch])).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `voxbook-v8-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`);
  const cacheFile = path.join(dir, `typescript-${key}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    mod.loaded = true;
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const partial = `${cacheFile}.${process.pid}-${threadId}.tmp`;
      fs.writeFileSync(partial, script.createCachedData());
      fs.renameSync(partial, cacheFile);
    } catch {
      // No cache this time (a read-only tmpdir): the next start compiles again.
    }
  }
  return mod.exports;
}

let ts;
try {
  ts = loadWithCodeCache();
} catch {
  ts = require('typescript');
}
module.exports = ts;
