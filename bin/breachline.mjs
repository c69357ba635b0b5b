#!/usr/bin/env node
// The `breachline` command: runs the TypeScript CLI through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/cli/index.ts');
// Exit explicitly: an open Temporal connection would otherwise keep the process alive.
process.exit(await main());
