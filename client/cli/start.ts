import type { Command } from 'commander';
import { Detection, parseOrExplain } from '../../workflows/domain/facts';
import { breaches, print, readJson } from './common';

interface StartOptions {
  file?: string;
  source?: string;
  eventId?: string;
  detectedAt?: string;
  summary?: string;
  facts?: string;
  json?: boolean;
}

export function addStart(program: Command): void {
  program
    .command('start')
    .description('start the response to a detection (idempotent: the same source and event id give the same breach)')
    .option('--file <detection.json>', 'the whole detection as JSON ("-" for stdin)')
    .option('--source <name>', 'the detecting system')
    .option('--event-id <id>', "the detecting system's event id")
    .option('--detected-at <iso>', 'when it was detected (default: now)')
    .option('--summary <text>', 'what was seen, without personal data')
    .option('--facts <facts.json>', 'facts already known')
    .option('--json', 'print JSON')
    .action(async (options: StartOptions) => {
      const detection = options.file
        ? readJson(options.file, 'detection')
        : {
            source: options.source,
            eventId: options.eventId,
            detectedAt: options.detectedAt ?? new Date().toISOString(),
            summary: options.summary,
            ...(options.facts ? { facts: readJson(options.facts, 'facts') } : {}),
          };
      parseOrExplain(Detection, detection, 'detection'); // before connecting: bad input never waits on a server
      const result = await (await breaches()).start(detection);
      print(result, options.json, () => `${result.created ? 'started' : 'already started'}: ${result.breachId}`);
    });
}
