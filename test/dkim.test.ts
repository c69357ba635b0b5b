// DKIM: every mail Breachline sends — escalations and the notices of a campaign — is signed with the configured
// key, and the signature verifies with a real DKIM verifier (mailauth) against the public key published for the
// selector; a body changed in transit fails. The DNS lookup is answered from the key this test made.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignSender } from '../activities/campaign';
import { type DkimConfig, Mailer } from '../activities/mail';
import { openStore, type Store } from '../activities/store';
import { InvalidInput } from '../workflows/domain/facts';
import { loadConfig } from '../worker/config';
import { startTestSmtp, type TestSmtp } from './support/smtp';

const FROM = 'Breachline <notices@mail.example.test>';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkim: DkimConfig = { domainName: 'example.test', keySelector: 'bl2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** The DNS answer a verifier gets for the selector: the public key this test made, and nothing else. */
const resolver = (name: string, type: string) =>
  name === 'bl2026._domainkey.example.test' && type === 'TXT'
    ? Promise.resolve([[record]])
    : Promise.reject(Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' }));

async function verify(raw: Buffer): Promise<{ status: string; domain?: string; comment?: string }[]> {
  const result = (await dkimVerify(raw, { resolver })) as { results: { status: { result: string; comment?: string }; signingDomain?: string }[] };
  return result.results.map((r) => ({ status: r.status.result, domain: r.signingDomain, ...(r.status.comment ? { comment: r.status.comment } : {}) }));
}

let smtp: TestSmtp;
let store: Store;
beforeAll(async () => {
  [smtp, store] = await Promise.all([startTestSmtp(), openStore('pglite:memory')]);
});
afterAll(async () => {
  await smtp?.close();
  await store?.close();
});

describe('DKIM signing', () => {
  it('signs an escalation mail and a campaign notice so that they verify against the published key, with a Message-ID in the sender’s domain', async () => {
    const mailer = new Mailer({ smtpUrl: smtp.url, from: FROM, responders: ['dpo@example.test'], dkim }, store);
    await mailer.send({
      idempotencyKey: 'dkim/escalation',
      audience: 'responders',
      notice: {
        template: 'escalation',
        breachId: 'dkim-test',
        obligationId: 'JP-APPI/ppc-preliminary',
        title: 'PPC preliminary report',
        citation: 'APPI Art. 26(1)',
        dueAt: Date.UTC(2030, 0, 1),
        zone: 'Asia/Tokyo',
        guidance: false,
        step: 'owner',
        overdue: true,
      },
    });
    const sender = new CampaignSender(store, { smtpUrl: smtp.url, from: FROM, dkim });
    await sender.sendTest({
      notice: { companyName: 'DKIM K.K.', incident: 'Synthetic.', measures: 'Synthetic.', advice: 'Synthetic.', contactDesk: { name: '窓口', hours: '24/7' } },
      templates: {},
      to: 'approver@example.test',
      locale: 'ja',
    });
    sender.close();
    mailer.transport.close();
    expect(smtp.received).toHaveLength(2);
    for (const message of smtp.received) {
      expect(await verify(message.raw)).toEqual([{ status: 'pass', domain: 'example.test' }]);
      expect(message.messageId).toMatch(/@mail\.example\.test>$/);
    }
    // The verifier is real: the same message with one word of its body, or its subject, changed does not verify.
    const raw = smtp.received[0]!.raw.toString('utf8');
    expect(raw).toContain('deadline');
    expect(raw).toMatch(/^Subject: /m);
    expect((await verify(Buffer.from(raw.replace('deadline', 'deadlime'))))[0]).toMatchObject({ status: 'neutral', comment: 'body hash did not verify' });
    expect((await verify(Buffer.from(raw.replace(/^Subject: .*$/m, 'Subject: Please verify your account'))))[0]).toMatchObject({ status: 'fail' });
  });

  it('refuses a partial DKIM configuration, a key file without a key, and a signing domain that does not align with the From address, naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkim-'));
    const keyFile = join(dir, 'dkim.pem');
    const notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(keyFile, dkim.privateKey);
    writeFileSync(notAKey, 'hello\n');
    const base = { BREACHLINE_MAIL_FROM: FROM };
    const refusal = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
      } catch (error) {
        if (error instanceof InvalidInput) return error.message;
        throw error;
      }
      return undefined;
    };
    expect(refusal({ BREACHLINE_DKIM_DOMAIN: 'example.test' })).toMatch(/BREACHLINE_DKIM_SELECTOR.*required/s);
    expect(refusal({ BREACHLINE_DKIM_DOMAIN: 'example.test', BREACHLINE_DKIM_SELECTOR: 's', BREACHLINE_DKIM_KEY_FILE: notAKey })).toMatch(
      /BREACHLINE_DKIM_KEY_FILE.*no PEM private key/s,
    );
    expect(refusal({ BREACHLINE_DKIM_DOMAIN: 'other.test', BREACHLINE_DKIM_SELECTOR: 's', BREACHLINE_DKIM_KEY_FILE: keyFile })).toMatch(
      /BREACHLINE_DKIM_DOMAIN.*does not align.*mail\.example\.test/s,
    );
    const config = loadConfig({ ...base, BREACHLINE_DKIM_DOMAIN: 'example.test', BREACHLINE_DKIM_SELECTOR: 'bl2026', BREACHLINE_DKIM_KEY_FILE: keyFile });
    expect(config.mail.dkim).toEqual(dkim);
  });
});
