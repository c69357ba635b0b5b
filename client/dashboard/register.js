// The breach register page (#/register): every breach, notifiable or not, open or closed, as the store keeps it
// after the workflow is gone; filters, pages, a CSV download and the chains' verification. Texts set as text only.

const PAGE = 50;

/** Renders the register into `main`, with the dashboard's `api` (authenticated fetch) and `h` (element builder). */
export async function renderRegister({ api, h, main, query = new URLSearchParams(location.hash.split('?')[1] ?? '') }) {
  const filter = new URLSearchParams({ limit: String(PAGE), offset: query.get('offset') ?? '0' });
  for (const key of ['status', 'regime', 'notifiable', 'from', 'to']) if (query.get(key)) filter.set(key, query.get(key));
  const page = await api(`/register?${filter}`);
  const go = (changes) => {
    const next = new URLSearchParams(filter);
    for (const [k, v] of Object.entries(changes)) v ? next.set(k, v) : next.delete(k);
    next.delete('limit');
    location.hash = `#/register?${next}`;
  };
  const select = (key, options) =>
    h(
      'select',
      { 'aria-label': key, 'data-testid': `register-${key}`, onchange: (e) => go({ [key]: e.target.value, offset: '0' }) },
      options.map(([value, label]) => {
        const option = h('option', { value }, label);
        option.selected = (filter.get(key) ?? '') === value;
        return option;
      }),
    );
  const download = async () => {
    const response = await fetch(`/register.csv?${filter}`, { headers: { authorization: `Bearer ${localStorage.getItem('breachline.token') ?? ''}` } });
    const link = h('a', { href: URL.createObjectURL(await response.blob()), download: 'breach-register.csv' });
    link.click();
    URL.revokeObjectURL(link.href);
  };
  const verdict = h('span', { 'data-testid': 'register-verify' });
  const verify = async () => {
    const report = await api('/register/verify');
    verdict.className = report.ok ? 'ok' : 'error';
    verdict.textContent = report.ok
      ? `chains intact: ${report.rows} rows of ${report.breaches} breaches`
      : `broken link in ${report.broken.table}: ${report.broken.breachId}, ${report.broken.entry}: ${report.broken.reason}`;
  };
  const offset = Number(filter.get('offset'));
  main.replaceChildren(
    h('h2', {}, 'Breach register'),
    h(
      'p',
      { class: 'filters' },
      select('status', [
        ['', 'open and closed'],
        ['open', 'open'],
        ['closed', 'closed'],
      ]),
      ' ',
      select('notifiable', [
        ['', 'notifiable or not'],
        ['true', 'notifiable'],
        ['false', 'not notifiable'],
      ]),
      ' ',
      h('button', { onclick: download, 'data-testid': 'register-csv' }, 'Download CSV'),
      ' ',
      h('button', { onclick: verify }, 'Verify chains'),
      ' ',
      verdict,
    ),
    h(
      'table',
      { 'data-testid': 'register' },
      h(
        'tr',
        {},
        ['breach', 'status', 'notifiable', 'aware', 'obligations and filings', 'closed'].map((t) => h('th', {}, t)),
      ),
      page.entries.map(({ entry }) =>
        h(
          'tr',
          { 'data-testid': 'register-row', 'data-breach-id': entry.breachId },
          h('td', {}, entry.breachId, h('div', { class: 'muted' }, `${entry.detection.source}, revision ${entry.revision}`)),
          h('td', {}, entry.status),
          h(
            'td',
            {},
            entry.notifiable ? 'yes' : 'no',
            entry.decisions.filter((d) => !d.notifiable).map((d) => h('div', { class: 'muted' }, `${d.regime}: ${d.reasons.join('; ')}`)),
          ),
          h('td', {}, new Date(entry.awareAt).toISOString().slice(0, 16).replace('T', ' ')),
          h(
            'td',
            {},
            entry.obligations.map((o) =>
              h(
                'div',
                {},
                `${o.id}: ${o.state}`,
                o.approvals.map((a) => h('div', { class: 'muted' }, `${a.action} by ${a.by}${a.filingReference ? ` (${a.filingReference})` : ''}`)),
              ),
            ),
          ),
          h('td', {}, entry.closedAt ? `${entry.closedAt.slice(0, 10)} by ${entry.closedBy}` : ''),
        ),
      ),
    ),
    h(
      'p',
      {},
      `${page.total ? offset + 1 : 0}–${offset + page.entries.length} of ${page.total} `,
      offset > 0 ? h('button', { onclick: () => go({ offset: String(Math.max(0, offset - PAGE)) }) }, 'Previous') : '',
      ' ',
      offset + PAGE < page.total ? h('button', { onclick: () => go({ offset: String(offset + PAGE) }) }, 'Next') : '',
    ),
  );
}
