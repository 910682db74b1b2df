// The TypeScript compiler for the Node kernel, loaded by require: imported as an ES module
// (through tsx's loader hooks and Node's CommonJS export scan of its 9 MB file) it takes
// 3–6× longer. The exports are assigned through a variable so that Node's scan of this shim
// does not follow them into typescript.js. package.json "imports" maps #typescript here under
// the "node" condition; elsewhere (the browser bundle) to the package itself.
const ts = require('typescript');
module.exports = ts;
