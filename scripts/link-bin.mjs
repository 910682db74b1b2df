// postinstall: npm links the bins of dependencies into node_modules/.bin but not the
// package's own, so `npx voxbook` works yet node_modules/.bin/voxbook would not exist.
// Link it so scripts and tools can call the command by path too.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'bin', 'voxbook.mjs');
const link = join(root, 'node_modules', '.bin', 'voxbook');
mkdirSync(dirname(link), { recursive: true });
rmSync(link, { force: true });
symlinkSync(relative(dirname(link), target), link);
