// Child process of bundleWorkflowsOutOfProcess: writes the workflow bundle to the path it is given.
import { writeFileSync } from 'node:fs';
import { bundleWorkflows } from './workflow-bundle.js';

const out = process.argv[2];
if (!out) throw new Error('usage: bundle-main.ts <output file>');
writeFileSync(out, (await bundleWorkflows()).code);
