// `npm run build`, after `tsc -p tsconfig.build.json` has compiled the production code to dist/: copies what the
// compiler does not (the dashboard's files, the launcher and its resolution hooks, the embedded store's thread) and pre-bundles the workflow code,
// so that a production worker starts without webpack, as Temporal's production sample does.
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflows } from '../worker/worker';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
cpSync(join(root, 'client', 'dashboard'), join(dist, 'client', 'dashboard'), { recursive: true });
copyFileSync(join(root, 'worker', 'failure-converter.cjs'), join(dist, 'worker', 'failure-converter.cjs'));
copyFileSync(join(root, 'activities', 'store', 'pglite-thread.mjs'), join(dist, 'activities', 'store', 'pglite-thread.mjs'));
copyFileSync(join(root, 'bin', 'resolve-js.mjs'), join(dist, 'resolve-js.mjs'));
copyFileSync(join(root, 'bin', 'breachline-dist.mjs'), join(dist, 'breachline.mjs'));
const started = Date.now();
const { code } = await bundleWorkflows();
writeFileSync(join(dist, 'workflow-bundle.js'), code);
console.log(
  `dist/: compiled; workflow bundle ${(code.length / 1024).toFixed(0)} KiB in ${Date.now() - started} ms; run \`node dist/breachline.mjs worker|api|setup\``,
);
