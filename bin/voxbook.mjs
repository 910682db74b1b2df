#!/usr/bin/env node
// The voxbook command. Voxbook is TypeScript; tsx's loader runs it without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../kernel/cli.ts');
process.exitCode = await main(process.argv.slice(2));
