// Breachline dashboard: open breaches by nearest deadline, and one breach's obligations, escalations, waves and
// timeline, with live countdowns. Plain ES modules, no build. Every text from the API is set as text, never as HTML.

const main = document.getElementById('main');
const who = document.getElementById('who');
let me = null;
let refreshTimer = null;

const token = () => localStorage.getItem('breachline.token') ?? '';

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token()}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

/** h('td', { class: 'x' }, 'text', child): an element with text children only as text nodes. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** "3d 4h 12m 05s", "-1h 02m 00s" once missed. */
function formatLeft(ms) {
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  const ss = s - mm * 60;
  const pad = (n) => String(n).padStart(2, '0');
  return `${sign}${d ? `${d}d ` : ''}${hh}h ${pad(mm)}m ${pad(ss)}s`;
}

function urgency(ms, open = true) {
  if (!open) return 'done';
  if (ms < 0) return 'overdue';
  if (ms < 24 * 3600_000) return 'critical';
  if (ms < 72 * 3600_000) return 'warning';
  return 'ok';
}

/** A countdown element that the ticker updates every second from its data-due attribute. */
function countdown(dueAt, open = true) {
  return h('span', { class: 'countdown', 'data-due': dueAt, 'data-open': open ? '1' : '0', 'data-testid': 'countdown' });
}

function tick() {
  const now = Date.now();
  for (const element of document.querySelectorAll('.countdown')) {
    const left = Date.parse(element.dataset.due) - now;
    const open = element.dataset.open === '1';
    element.textContent = open ? (left < 0 ? `missed ${formatLeft(-left)} ago` : formatLeft(left)) : 'done';
    element.className = `countdown urgency-${urgency(left, open)}`;
  }
}
setInterval(tick, 1000);

/** The due instant in the regime's own zone, e.g. "28 Nov 2026, 23:59 GMT+9 (Asia/Tokyo)". */
function inZone(iso, zone) {
  // dateStyle and timeStyle cannot be combined with timeZoneName: spell the parts out.
  const parts = { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  const text = new Intl.DateTimeFormat('en-GB', parts).format(new Date(iso));
  return `${text} (${zone})`;
}

function showError(error) {
  main.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, error.message));
}

async function renderList() {
  const breaches = await api('/breaches');
  // The nearest open obligation of each breach, with its zone, from the status of each (lists are short).
  const statuses = await Promise.all(breaches.map((b) => api(`/breaches/${encodeURIComponent(b.breachId)}`).catch(() => null)));
  const rows = breaches.map((breach, i) => {
    const open = (statuses[i]?.obligations ?? []).filter((o) => o.state === 'open').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    const next = open[0];
    return h(
      'tr',
      { 'data-testid': 'breach-row', 'data-breach-id': breach.breachId },
      h('td', {}, h('a', { href: `#/breach/${encodeURIComponent(breach.breachId)}` }, breach.summary ?? breach.breachId), h('div', { class: 'muted' }, breach.breachId)),
      h('td', {}, breach.severity ?? '—'),
      h('td', {}, breach.phase),
      h('td', {}, breach.regimes.join(', ') || '—'),
      h('td', {}, next ? [h('div', {}, next.id), h('div', { class: 'muted' }, inZone(next.dueAt, next.zone))] : 'no open deadline'),
      h('td', {}, next ? countdown(next.dueAt) : ''),
    );
  });
  main.replaceChildren(
    h('h1', {}, 'Open breaches, nearest deadline first'),
    breaches.length
      ? h('table', { 'data-testid': 'breaches' }, h('tr', {}, ['breach', 'severity', 'phase', 'regimes', 'next deadline (regime zone)', 'time left'].map((t) => h('th', {}, t))), rows)
      : h('p', { 'data-testid': 'no-breaches' }, 'No open breaches.'),
  );
  tick();
}

async function approve(breachId, obligation) {
  const filingReference = obligation.recipient === 'regulator' ? prompt(`Filing reference for ${obligation.id} (optional)`) : null;
  try {
    await api(`/breaches/${encodeURIComponent(breachId)}/approvals`, {
      method: 'POST',
      body: JSON.stringify({ obligationId: obligation.id, ...(filingReference ? { filingReference } : {}) }),
    });
    await render();
  } catch (error) {
    alert(error.message);
  }
}

async function campaignAction(breachId, campaignId, path, body = {}) {
  try {
    const result = await api(`/breaches/${encodeURIComponent(breachId)}/campaigns/${encodeURIComponent(campaignId.split('/').pop())}/${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (path === 'test-send') alert(`Test notice sent to ${me.name}`);
    await render();
    return result;
  } catch (error) {
    alert(error.message);
  }
}

function waveSection(status) {
  const campaigns = status.campaigns ?? [];
  if (campaigns.length === 0) return h('p', { class: 'muted', 'data-testid': 'waves' }, 'No notification waves yet.');
  const operator = me?.roles.includes('operator');
  return h(
    'div',
    { 'data-testid': 'waves' },
    campaigns.map((c) => {
      const waiting = c.waves.find((w) => w.state === 'awaiting-approval');
      return h(
        'section',
        { 'data-campaign-id': c.campaignId },
        h('h3', {}, `${c.campaignId.split('/').pop()}: ${c.state}, ${c.total} people, ${c.unreachable} unreachable by mail`),
        h(
          'table',
          {},
          h('tr', {}, ['wave', 'state', 'progress', 'sent', 'deferred', 'bounced', 'by post', 'pending', 'rate'].map((t) => h('th', {}, t))),
          c.waves.map((w) => {
            const bar = h('span');
            bar.style.width = `${Math.round((100 * (w.sent + w.bounced + w.postal)) / (w.total || 1))}%`; // CSSOM, allowed by the page's CSP
            return h(
              'tr',
              { 'data-testid': 'wave', 'data-wave': w.wave, 'data-state': w.state },
              h('td', {}, w.wave),
              h('td', {}, w.state, w.templateError ? h('div', { class: 'error' }, w.templateError) : ''),
              h('td', {}, h('span', { class: 'progress' }, bar)),
              h('td', {}, w.sent),
              h('td', {}, w.deferred),
              h('td', {}, w.bounced),
              h('td', {}, w.postal),
              h('td', {}, w.pending),
              h('td', {}, w.rate ? `${w.rate}/s${w.estimatedFinishAt ? `, done ~${new Date(w.estimatedFinishAt).toLocaleTimeString()}` : ''}` : ''),
            );
          }),
        ),
        c.preview
          ? h('details', { open: Boolean(waiting) }, h('summary', {}, 'Notice preview (sample person)'), ['ja', 'en'].map((l) => h('div', {}, h('strong', {}, c.preview[l].subject), h('pre', {}, c.preview[l].text))))
          : '',
        operator && waiting && !waiting.templateError
          ? h('p', {}, h('button', { 'data-testid': 'approve-wave', onclick: () => campaignAction(status.breachId, c.campaignId, `waves/${waiting.wave}/approval`) }, `Approve wave ${waiting.wave} (${waiting.total} people)`), ' ', h('button', { onclick: () => campaignAction(status.breachId, c.campaignId, 'test-send') }, 'Send me a test'))
          : '',
        operator && ['running', 'paused'].includes(c.state)
          ? h('p', {}, h('button', { onclick: () => campaignAction(status.breachId, c.campaignId, c.state === 'paused' ? 'resume' : 'pause') }, c.state === 'paused' ? 'Resume' : 'Pause'), ' ', h('button', { onclick: () => confirm('Cancel the campaign?') && campaignAction(status.breachId, c.campaignId, 'cancel') }, 'Cancel'))
          : '',
      );
    }),
  );
}

async function renderBreach(breachId) {
  const status = await api(`/breaches/${encodeURIComponent(breachId)}`);
  const operator = me?.roles.includes('operator');
  const obligations = status.obligations.map((o) =>
    h(
      'tr',
      { 'data-testid': 'obligation', 'data-obligation-id': o.id, 'data-state': o.state },
      h('td', {}, h('div', {}, o.title), h('div', { class: 'muted' }, `${o.id} · ${o.citation}`)),
      h('td', { class: `state-${o.state}`, 'data-testid': 'obligation-state' }, o.state, o.approvalsNeeded > 1 && o.state === 'open' ? h('div', { class: 'muted' }, `${o.approvedBy.length} of ${o.approvalsNeeded} approvals`) : ''),
      h('td', {}, inZone(o.dueAt, o.zone), o.guidance ? h('div', { class: 'muted' }, o.internalTarget ? 'internal target' : "regulator's guidance") : ''),
      h('td', {}, countdown(o.dueAt, o.state === 'open')),
      h('td', {}, o.escalations.map((e) => h('div', {}, `${e.step} → ${e.audience}`)), o.nextEscalation ? h('div', { class: 'muted' }, `next ${o.nextEscalation.step} → ${o.nextEscalation.audience}`) : ''),
      h(
        'td',
        {},
        operator && o.state === 'open' && !o.approvedBy.includes(me.name)
          ? h('button', { 'data-testid': 'approve', onclick: () => approve(breachId, o) }, o.approvedBy.length ? 'Confirm (second approver)' : 'Approve')
          : '',
      ),
    ),
  );
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all breaches')),
    h('h1', { 'data-testid': 'breach-title' }, status.detection.summary),
    h('p', { class: 'muted' }, `${status.breachId} · detected ${status.detection.detectedAt} by ${status.detection.source} · phase `, h('strong', { 'data-testid': 'phase' }, status.phase)),
    h('h2', {}, 'Obligations'),
    status.obligations.length
      ? h('table', { 'data-testid': 'obligations' }, h('tr', {}, ['obligation', 'state', 'due (regime zone)', 'time left', 'escalations', ''].map((t) => h('th', {}, t))), obligations)
      : h('p', {}, 'No obligations yet.'),
    status.notApplicable.length ? h('details', {}, h('summary', {}, `Not applicable (${status.notApplicable.length})`), h('ul', {}, status.notApplicable.map((n) => h('li', {}, `${n.obligation ?? n.regime}: ${n.reason}`)))) : '',
    h('h2', {}, 'Notification waves'),
    waveSection(status),
    h('h2', {}, 'Timeline'),
    h('ol', { class: 'timeline', 'data-testid': 'timeline' }, status.timeline.map((t) => h('li', {}, `${t.at} `, h('strong', {}, t.kind), ` ${t.obligationId ?? ''} ${t.actor ? `[${t.actor}] ` : ''}${t.detail}`))),
  );
  tick();
}

async function render() {
  if (!token()) return;
  try {
    me = await api('/me');
    who.textContent = `${me.name} (${me.roles.join(', ')})`;
    const match = /^#\/breach\/(.+)$/.exec(location.hash);
    if (match) await renderBreach(decodeURIComponent(match[1]));
    else await renderList();
  } catch (error) {
    showError(error);
  }
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem('breachline.token', document.getElementById('token').value.trim());
  render();
});
window.addEventListener('hashchange', render);
clearInterval(refreshTimer);
refreshTimer = setInterval(() => {
  // Refresh the data every 5 s, but not while a prompt or an approval is in flight.
  if (document.visibilityState === 'visible') render();
}, 5000);
render();
