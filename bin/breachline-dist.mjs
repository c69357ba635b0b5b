#!/usr/bin/env node
// The `breachline` command from the build (`npm run build` copies this to dist/breachline.mjs): plain Node, no tsx.
//   node dist/breachline.mjs worker | api | setup | …
import { register } from 'node:module';

register('./resolve-js.mjs', import.meta.url);
const { main } = await import('./client/cli/index.js');
// Exit explicitly: an open Temporal connection would otherwise keep the process alive.
process.exit(await main());
