// `npm run test:production`: the end-to-end run on a production Temporal server (PostgreSQL, mutual TLS) with the
// compiled build, two workers and two API processes. `npm test` runs it last, after the build; about two minutes.
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/production.e2e.ts'], testTimeout: 900_000, hookTimeout: 600_000 } });
