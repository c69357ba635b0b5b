// Breachline dashboard: open breaches by nearest deadline, and one breach's obligations, escalations, waves and
// timeline, with live countdowns. Plain ES modules, no build. Every text from the API is set as text, never as HTML.

const main = document.getElementById('main');
const who = document.getElementById('who');
let me = null;
let refreshTimer = null;

const token = () => localStorage.getItem('breachline.token') ?? '';

/** A 4xx/5xx answer: its own words, its stable code (BL_…) and, when throttled, when to try again. */
class ApiError extends Error {
  constructor(response, body) {
    const retryAfter = response.headers.get('retry-after');
    const code = body.code ?? `HTTP ${response.status}`;
    // RFC 9110 §10.2.3: Retry-After is either seconds or an HTTP date.
    const retry = retryAfter ? `; retry after ${/^\d+$/.test(retryAfter) ? `${retryAfter} s` : retryAfter}` : '';
    super(`${body.error ?? `${response.status} ${response.statusText}`} (${code}${retry})`);
    this.status = response.status;
    this.code = code;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token()}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response, body !== null && typeof body === 'object' ? body : {});
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
  const statuses = await Promise.all(breaches.map((b) => api(`/breaches/${encodeURIComponent(b.breachId)}`).catch((error) => ({ error }))));
  const rows = breaches.map((breach, i) => {
    const status = statuses[i];
    const open = (status.obligations ?? []).filter((o) => o.state === 'open').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    const next = open[0];
    const failing = (status.storeFailures?.length ?? 0) + (status.obligations ?? []).flatMap((o) => o.escalations.filter((e) => e.failed)).length;
    return h(
      'tr',
      { 'data-testid': 'breach-row', 'data-breach-id': breach.breachId },
      h(
        'td',
        {},
        h('a', { href: `#/breach/${encodeURIComponent(breach.breachId)}` }, breach.summary ?? breach.breachId),
        h('div', { class: 'muted' }, breach.breachId),
        breach.error ? h('div', { class: 'error', 'data-testid': 'row-error' }, breach.error) : '',
        failing ? h('div', { class: 'failed', 'data-testid': 'row-failing' }, `${failing} failure${failing > 1 ? 's' : ''}: see the breach`) : '',
      ),
      h('td', {}, breach.severity ?? '—'),
      h('td', {}, breach.phase),
      h('td', {}, breach.regimes.join(', ') || '—'),
      h(
        'td',
        {},
        status.error
          ? h('div', { class: 'error', 'data-testid': 'row-status-error' }, `status unavailable: ${status.error.message}`)
          : next
            ? [h('div', {}, next.id), h('div', { class: 'muted' }, inZone(next.dueAt, next.zone))]
            : 'no open deadline',
      ),
      h('td', {}, next ? countdown(next.dueAt) : ''),
    );
  });
  main.replaceChildren(
    h('h1', {}, 'Open breaches, nearest deadline first'),
    breaches.length
      ? h(
          'table',
          { 'data-testid': 'breaches' },
          h(
            'tr',
            {},
            ['breach', 'severity', 'phase', 'regimes', 'next deadline (regime zone)', 'time left'].map((t) => h('th', {}, t)),
          ),
          rows,
        )
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

/** Acknowledge (the ladder stops climbing) or snooze an hour: neither meets the obligation. */
async function answerEscalation(breachId, escalationId, action) {
  try {
    const body = { escalationId, via: 'dashboard', ...(action === 'snooze' ? { snoozeMinutes: 60 } : {}) };
    await api(`/breaches/${encodeURIComponent(breachId)}/escalations/${action}`, { method: 'POST', body: JSON.stringify(body) });
    await render();
  } catch (error) {
    alert(error.message);
  }
}

/** The acknowledgement or snooze in force, and the buttons to answer an escalation still climbing. */
function escalationAnswer(breachId, o, operator) {
  const answer = o.answer;
  const said = answer
    ? h(
        'div',
        { class: 'muted', 'data-testid': 'escalation-answer' },
        answer.action === 'acknowledge' ? `acknowledged by ${answer.by}` : `snoozed until ${answer.until} by ${answer.by}`,
      )
    : '';
  if (!operator || o.state !== 'open' || !o.nextEscalation || answer?.action === 'acknowledge') return said;
  const button = (action, label) => h('button', { 'data-testid': action, onclick: () => answerEscalation(breachId, o.id, action) }, label);
  return h('div', {}, said, button('acknowledge', 'Acknowledge'), button('snooze', 'Snooze 1 h'));
}

async function campaignAction(breachId, campaignId, path, body = {}) {
  try {
    const result = await api(`/breaches/${encodeURIComponent(breachId)}/campaigns/${encodeURIComponent(campaignId.split('/').pop())}/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (path === 'test-send') alert(`Test notice sent to ${me.name}`);
    await render();
    return result;
  } catch (error) {
    alert(error.message);
  }
}

const OWNER_TOLD = { sending: 'telling the owner', sent: 'the owner was told', failed: 'the owner could not be told' };

/** A wave paused because the SMTP server does not answer; it resumes by itself once a probe gets through. */
function outageNote(outage) {
  return h(
    'div',
    { class: 'error', 'data-testid': 'wave-outage' },
    `mail server unreachable since ${outage.since} (${outage.reason}); wave paused, ${OWNER_TOLD[outage.escalation] ?? outage.escalation}`,
    outage.escalationError ? `: ${outage.escalationError}` : '',
  );
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
          h(
            'tr',
            {},
            ['wave', 'state', 'progress', 'sent', 'deferred', 'bounced', 'by post', 'pending', 'rate'].map((t) => h('th', {}, t)),
          ),
          c.waves.map((w) => {
            const bar = h('span');
            bar.style.width = `${Math.round((100 * (w.sent + w.bounced + w.postal)) / (w.total || 1))}%`; // CSSOM, allowed by the page's CSP
            return h(
              'tr',
              { 'data-testid': 'wave', 'data-wave': w.wave, 'data-state': w.state, 'data-outage': w.outage ? '1' : undefined },
              h('td', {}, w.wave),
              h('td', {}, w.state, w.templateError ? h('div', { class: 'error' }, w.templateError) : '', w.outage ? outageNote(w.outage) : ''),
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
          ? h(
              'details',
              { open: Boolean(waiting) },
              h('summary', {}, 'Notice preview (sample person)'),
              ['ja', 'en'].map((l) => h('div', {}, h('strong', {}, c.preview[l].subject), h('pre', {}, c.preview[l].text))),
            )
          : '',
        operator && waiting && !waiting.templateError
          ? h(
              'p',
              {},
              h(
                'button',
                { 'data-testid': 'approve-wave', onclick: () => campaignAction(status.breachId, c.campaignId, `waves/${waiting.wave}/approval`) },
                `Approve wave ${waiting.wave} (${waiting.total} people)`,
              ),
              ' ',
              h('button', { onclick: () => campaignAction(status.breachId, c.campaignId, 'test-send') }, 'Send me a test'),
            )
          : '',
        operator && ['running', 'paused'].includes(c.state)
          ? h(
              'p',
              {},
              h(
                'button',
                { onclick: () => campaignAction(status.breachId, c.campaignId, c.state === 'paused' ? 'resume' : 'pause') },
                c.state === 'paused' ? 'Resume' : 'Pause',
              ),
              ' ',
              h('button', { onclick: () => confirm('Cancel the campaign?') && campaignAction(status.breachId, c.campaignId, 'cancel') }, 'Cancel'),
            )
          : '',
      );
    }),
  );
}

/** A step of the escalation ladder; a failed one names whom the mail could not reach, and why. */
function escalationStep(e) {
  if (!e.failed) return h('div', { 'data-testid': 'escalation', 'data-step': e.step }, `${e.step} → ${e.audience}`);
  return h(
    'div',
    { class: 'failed', 'data-testid': 'escalation', 'data-step': e.step, 'data-failed': '1' },
    `${e.step} → ${e.audience} `,
    h('strong', {}, 'failed'),
    h('div', { class: 'reason' }, e.failed),
  );
}

/** The timeline entries the store could not keep: the audit trail has a gap until someone fixes the store. */
function storeFailureBanner(failures) {
  if (!failures?.length) return '';
  return h(
    'div',
    { class: 'banner', role: 'alert', 'data-testid': 'store-failures' },
    h('strong', {}, `The store could not keep ${failures.length} timeline entr${failures.length > 1 ? 'ies' : 'y'}: they are in the workflow only.`),
    h(
      'ul',
      {},
      failures.map((f) => h('li', {}, `${f.at} ${f.kind}: ${f.reason}`)),
    ),
  );
}

const FAILURE_KINDS = new Set(['escalation-failed', 'store-failed', 'wave-outage']);

function timelineEntry(t) {
  return h(
    'li',
    { class: FAILURE_KINDS.has(t.kind) ? 'failed' : undefined, 'data-kind': t.kind },
    `${t.at} `,
    h('strong', {}, t.kind),
    ` ${t.obligationId ?? ''} ${t.actor ? `[${t.actor}] ` : ''}${t.detail}`,
    t.unrecorded ? h('span', { class: 'unrecorded', 'data-testid': 'unrecorded' }, `not in the store: ${t.unrecorded}`) : '',
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
      h(
        'td',
        { class: `state-${o.state}`, 'data-testid': 'obligation-state' },
        o.state,
        o.approvalsNeeded > 1 && o.state === 'open' ? h('div', { class: 'muted' }, `${o.approvedBy.length} of ${o.approvalsNeeded} approvals`) : '',
      ),
      h('td', {}, inZone(o.dueAt, o.zone), o.guidance ? h('div', { class: 'muted' }, o.internalTarget ? 'internal target' : "regulator's guidance") : ''),
      h('td', {}, countdown(o.dueAt, o.state === 'open')),
      h(
        'td',
        {},
        o.escalations.map(escalationStep),
        o.nextEscalation ? h('div', { class: 'muted' }, `next ${o.nextEscalation.step} → ${o.nextEscalation.audience}`) : '',
        escalationAnswer(breachId, o, operator),
      ),
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
    storeFailureBanner(status.storeFailures),
    h(
      'p',
      { class: 'muted' },
      `${status.breachId} · detected ${status.detection.detectedAt} by ${status.detection.source} · phase `,
      h('strong', { 'data-testid': 'phase' }, status.phase),
    ),
    h('h2', {}, 'Obligations'),
    status.obligations.length
      ? h(
          'table',
          { 'data-testid': 'obligations' },
          h(
            'tr',
            {},
            ['obligation', 'state', 'due (regime zone)', 'time left', 'escalations', ''].map((t) => h('th', {}, t)),
          ),
          obligations,
        )
      : h('p', {}, 'No obligations yet.'),
    status.notApplicable.length
      ? h(
          'details',
          {},
          h('summary', {}, `Not applicable (${status.notApplicable.length})`),
          h(
            'ul',
            {},
            status.notApplicable.map((n) => h('li', {}, `${n.obligation ?? n.regime}: ${n.reason}`)),
          ),
        )
      : '',
    h('h2', {}, 'Notification waves'),
    waveSection(status),
    h('h2', {}, 'Timeline'),
    h('ol', { class: 'timeline', 'data-testid': 'timeline' }, status.timeline.map(timelineEntry)),
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

/** The dev stack's /dev/mail and codec endpoint take the token as an HttpOnly cookie; a plain API has no /session. */
async function startSession() {
  const note = document.getElementById('session');
  note.replaceChildren();
  try {
    await api('/session', { method: 'POST' });
  } catch (error) {
    if (error.status !== 404) note.replaceChildren(h('span', { class: 'error' }, `no dev session: ${error.message}`));
  }
}

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  localStorage.setItem('breachline.token', document.getElementById('token').value.trim());
  await startSession();
  await render();
});
window.addEventListener('hashchange', render);
clearInterval(refreshTimer);
refreshTimer = setInterval(() => {
  // Refresh the data every 5 s, but not while a prompt or an approval is in flight.
  if (document.visibilityState === 'visible') render();
}, 5000);
render();
