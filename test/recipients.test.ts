// Importing affected people and rendering their notices: PGlite, real files streamed, no server.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTemplates, NoticeRenderer, renderNotice, TemplateInvalid } from '../activities/notices';
import { importRecipients } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import type { CampaignNotice } from '../workflows/definitions';

let store: Store;
beforeAll(async () => {
  store = await openStore('pglite:memory');
});
afterAll(async () => store?.close());

const csv = `id,name,email,postal_address,locale,data_categories
p1,山田 花子,hanako@example.test,,ja,name;email;payment_card
p2,"Smith, John",john@example.test,"1 Main St, Springfield",en,name;email
p3,No Contact,,,en,name
p4,鈴木 一郎,,"東京都千代田区1-1",ja,name;address;health
p1,山田 花子,hanako@example.test,,ja,phone
p5,Duplicate Email,JOHN@example.test,,en,credentials
p6,Bad Locale,six@example.test,,fr,name
p7,Bad Category,seven@example.test,,en,name;shoe_size
p8,Too,many,columns,en,name,extra,more
p9,Last Person,nine@example.test,,en,
`;

describe('recipient import', () => {
  it('imports valid rows, reports invalid ones by line and reason, and merges duplicates by id and e-mail', async () => {
    const report = await importRecipients(store, 'breach-import', Readable.from([csv]), 'csv');
    expect(report).toMatchObject({ rows: 10, imported: 4, merged: 2 });
    expect(report.errors.map((e) => e.line)).toEqual([4, 8, 9, 10]);
    expect(report.errors[0]!.reason).toBe('email: needs an email or a postalAddress');
    expect(report.errors[1]!.reason).toContain('locale');
    expect(report.errors[2]!.reason).toContain('dataCategories.1');
    expect(report.invalid).toBe(4);
    const { rows } = await store.sql.query<{ person_id: string; data_categories: string[]; priority: number }>(
      "SELECT person_id, data_categories, priority FROM recipient WHERE breach_id = 'breach-import' ORDER BY person_id",
    );
    expect(rows.map((r) => r.person_id)).toEqual(['p1', 'p2', 'p4', 'p9']);
    expect(rows.find((r) => r.person_id === 'p1')!.data_categories.sort()).toEqual(['email', 'name', 'payment_card', 'phone']);
    // p5 had p2's e-mail in other case: merged into p2, which now counts as exposed (credentials) and goes first.
    expect(rows.find((r) => r.person_id === 'p2')).toMatchObject({ priority: 0 });
    expect(await store.recipientCounts('breach-import')).toEqual({ total: 4, withEmail: 3, postalOnly: 1 });
  });

  it('imports JSON Lines, and merges with what an earlier import brought', async () => {
    const jsonl = [
      JSON.stringify({ id: 'q1', name: 'Ann', email: 'ann@example.test', locale: 'en', dataCategories: ['email'] }),
      '{ not json',
      JSON.stringify({ id: 'q2', name: 'Bo', email: 'not-an-email' }),
      '',
      JSON.stringify({ id: 'q1', name: 'Ann', email: 'ann@example.test', dataCategories: ['health'] }),
    ].join('\n');
    const first = await importRecipients(store, 'breach-jsonl', Readable.from([jsonl]), 'jsonl');
    expect(first).toMatchObject({ rows: 4, imported: 1, merged: 1, invalid: 2 });
    expect(first.errors.map((e) => [e.line, e.reason.split(':')[0]])).toEqual([
      [2, 'malformed JSON'],
      [3, 'email'],
    ]);
    const again = await importRecipients(store, 'breach-jsonl', Readable.from([JSON.stringify({ id: 'q9', name: 'Ann again', email: 'ANN@example.test', dataCategories: ['phone'] })]), 'jsonl');
    expect(again).toMatchObject({ imported: 0, merged: 1 });
  });

  it('plans waves most-exposed first and puts people without e-mail on the postal list', async () => {
    const waves = await store.planDeliveries('campaign-1', 'breach-import', 2);
    expect(waves).toEqual([
      { wave: 1, total: 2 },
      { wave: 2, total: 2 },
    ]);
    const claimed = await store.claimDeliveries('campaign-1', 1, 10);
    expect(claimed.map((c) => c.person_id).sort()).toEqual(['p1', 'p2']); // both lost financial data or credentials
    const postal = await store.postalList('breach-import');
    expect(postal.map((p) => [p.person_id, p.reason, p.postal_address])).toEqual([['p4', 'postal', '東京都千代田区1-1']]);
  });
});

const notice: CampaignNotice = {
  companyName: 'Example Shop K.K.',
  incident: 'An attacker copied part of the order database on 20 November.',
  measures: 'We closed the hole, reset passwords and reported to the PPC.',
  advice: 'Check your card statements and change your password.',
  contactDesk: { name: 'Incident desk', phone: '0120-000-000', hours: 'weekdays 9:00-18:00 JST' },
};

describe('notices', () => {
  it('renders the Japanese and English notices with every item the guidance asks for', () => {
    const ja = renderNotice(notice, { name: '山田 花子', locale: 'ja', dataCategories: ['name', 'payment_card'] });
    expect(ja.subject).toBe('【重要】Example Shop K.K.からの個人情報漏えいに関するお詫びとお知らせ');
    for (const part of ['山田 花子 様', 'お詫び', 'クレジットカード情報', 'reported to the PPC', 'Check your card', 'Incident desk', '0120-000-000', 'weekdays 9:00-18:00 JST']) {
      expect(ja.text).toContain(part);
    }
    const en = renderNotice(notice, { name: 'John <script>', locale: 'en', dataCategories: ['credentials'] });
    expect(en.text).toContain('Dear John <script>,');
    expect(en.html).toContain('Dear John &lt;script&gt;,'); // escaped in HTML
    expect(en.text).toContain('- your login ID and password');
  });

  it('renders many people exactly as one at a time does, whatever their names', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('ja' as const, 'en' as const), fc.subarray(['name', 'email', 'health', 'payment_card'] as const), (name, locale, categories) => {
        const person = { name, locale, dataCategories: [...categories] };
        const renderer = new NoticeRenderer({ ...notice, companyName: 'Shop {{person.name}} & <Co>' }, { en: { subject: 'For {{person.name}}', text: '{{person.name}}: {{incident}}', html: '<b>{{person.name}}</b>' } });
        expect(renderer.render(person)).toEqual(renderNotice({ ...notice, companyName: 'Shop {{person.name}} & <Co>' }, person, { en: { subject: 'For {{person.name}}', text: '{{person.name}}: {{incident}}', html: '<b>{{person.name}}</b>' } }));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the subject to one line whatever the notice says', () => {
    const rendered = renderNotice({ ...notice, companyName: 'Evil\r\nBcc: everyone@example.test' }, { name: 'x', locale: 'en', dataCategories: [] });
    expect(rendered.subject).not.toMatch(/[\r\n]/);
  });

  it('refuses a template with a missing variable, naming it', () => {
    const templates = { en: { subject: 'Hello {{person.name}}', text: 'We lost {{lostData}} at {{company.nmae}}', html: '<p>x</p>' } };
    expect(() => checkTemplates(notice, templates)).toThrow(TemplateInvalid);
    expect(() => checkTemplates(notice, templates)).toThrow('the en text template is invalid: missing variable {{company.nmae}}');
  });
});
