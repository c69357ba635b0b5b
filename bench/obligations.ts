// Rule-evaluation benchmark: assessments per second of the pure obligation engine (no server).
// npm run bench:obligations -- --iterations 20000
import { parseArgs } from 'node:util';
import { Facts } from '../workflows/domain/facts';
import { assess } from '../workflows/domain/obligations';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
const iterations = Number(values.iterations);
const base = Date.parse('2026-01-01T00:00:00Z');
const facts = Array.from({ length: 1000 }, (_, i) =>
  Facts.parse({ awareAt: new Date(base + i * 8.64e6 * 3.7).toISOString(), jurisdictions: ['JP'], affectedCount: 500 + i * 3, unfairPurpose: i % 2 === 0 }),
);
for (let i = 0; i < 1000; i++) assess(facts[i % facts.length]!); // warm up
const start = performance.now();
let obligations = 0;
for (let i = 0; i < iterations; i++) obligations += assess(facts[i % facts.length]!).obligations.length;
const seconds = (performance.now() - start) / 1000;
console.log(`assessments=${iterations} obligations=${obligations}`);
console.log(`assess: ${(iterations / seconds).toFixed(0)} assessments/s (${((seconds / iterations) * 1e6).toFixed(1)} µs each)`);
