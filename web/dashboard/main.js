// Beacon's live dashboard: polls /dashboard/api/stats every second (numbers the server computes
// from its own Micrometer registry, the same meters /metrics exposes) and draws them as numbers
// and sparklines; polls /dashboard/api/console for the app's debug console entries.
import { $, el } from '../shared/dom.js';
import { drawSparkline } from './sparkline.js';

const HISTORY = 120;
const MAX_ROWS = 500;
const CARDS = [
  { key: 'connections', label: 'Connections', colour: '#4f5bd5' },
  { key: 'channels', label: 'Channels', colour: '#7a4fd5' },
  { key: 'subscriptions', label: 'Subscriptions', colour: '#2f8fd5' },
  { key: 'presenceOnline', label: 'Users online', colour: '#22a559' },
  { key: 'messagesInPerSecond', label: 'Messages in /s (clients + API)', colour: '#d57a2f' },
  { key: 'messagesOutPerSecond', label: 'Messages out /s', colour: '#d5a12f' },
  { key: 'functionCallsPerSecond', label: 'Function calls /s', colour: '#2fa5a5' },
  { key: 'functionP99Millis', label: 'Function p99 (ms, 10 s)', colour: '#a52f7a' },
  { key: 'errorsPerSecond', label: 'Errors /s', colour: '#d64545' },
  { key: 'pushSentPerSecond', label: 'Pushes sent /s', colour: '#5a8f2f' },
];
const TYPES = ['connection', 'disconnection', 'subscribed', 'unsubscribed', 'client_event', 'api_message', 'function', 'error'];

const state = { app: null, samples: [], lastTime: 0, lastSeq: 0, paused: false, hidden: new Set() };

// ------------------------------------------------------------------ cards

const cards = new Map();
for (const card of CARDS) {
  const value = el('div', { class: 'value', id: `stat-${card.key}` }, '–');
  const canvas = el('canvas', { class: 'spark', height: 44 });
  $('#cards').append(el('div', { class: 'card', dataset: { key: card.key } },
    el('div', { class: 'label' }, card.label), value, canvas));
  cards.set(card.key, { ...card, value, canvas });
}

function format(v, key) {
  if (v === null || v === undefined) return '–';
  if (key === 'functionP99Millis') return v < 10 ? v.toFixed(2) : v.toFixed(0);
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function renderStats(body) {
  $('#uptime').textContent = duration(body.uptimeSeconds);
  $('#sync-connections').textContent = body.server.syncConnections;
  $('#live-queries').textContent = body.server.liveQueries;
  $('#push-queue').textContent = body.server.pushQueue;
  $('#push-totals').textContent = `sent ${body.push.sent} · retried ${body.push.retries}`
    + ` · failed ${body.push.failures} · dead devices removed ${body.push.removed}`;
  const select = $('#app');
  if (select.options.length !== body.apps.length) {
    select.replaceChildren(...body.apps.map((id) => el('option', { value: id }, id)));
    select.value = state.app;
  }
  const latest = state.samples[state.samples.length - 1];
  for (const card of cards.values()) {
    card.value.textContent = latest ? format(latest[card.key], card.key) : '–';
    drawSparkline(card.canvas, state.samples.map((s) => s[card.key]), card.colour);
  }
  $('#errors').replaceChildren(...body.errorsByCode.map((e) => el('tr', { dataset: { code: e.code } },
    el('td', {}, e.code), el('td', {}, e.lastMinute), el('td', {}, e.total))));
  $('#no-errors').hidden = body.errorsByCode.length > 0;
  renderWebhooks(body.webhooks);
}

function renderWebhooks(hooks) {
  if (!hooks) return;
  for (const key of ['queue', 'delivered', 'events', 'retries', 'failed', 'dropped']) {
    $(`#webhook-${key}`).textContent = hooks[key];
  }
  $('#webhooks-off').hidden = hooks.configured > 0;
  $('#webhook-table').hidden = hooks.configured === 0;
  $('#webhook-recent').replaceChildren(...hooks.recent.map((d) => el('tr',
    { class: d.outcome === 'delivered' ? '' : 'error' },
    el('td', { class: 'mono' }, new Date(d.time).toLocaleTimeString()),
    el('td', { class: 'details' }, d.url),
    el('td', {}, `${d.events} (${d.names.join(', ')})`),
    el('td', {}, d.attempts),
    el('td', {}, d.outcome),
    el('td', { class: 'details' }, d.answer))));
}

function duration(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

// ------------------------------------------------------------------ console

const filters = $('#filters');
for (const type of TYPES) {
  const box = el('input', { type: 'checkbox', checked: true, value: type });
  box.addEventListener('change', () => {
    if (box.checked) state.hidden.delete(type);
    else state.hidden.add(type);
    for (const row of $('#console').children) row.hidden = state.hidden.has(row.dataset.type);
  });
  filters.append(el('label', {}, box, type.replace('_', ' ')));
}
$('#pause').addEventListener('click', () => {
  state.paused = !state.paused;
  $('#pause').textContent = state.paused ? 'Resume' : 'Pause';
});
$('#clear').addEventListener('click', () => $('#console').replaceChildren());

function consoleRow(e) {
  const who = e.socketId ?? e.caller ?? '';
  const where = e.channel ?? e.function ?? '';
  let details;
  switch (e.type) {
    case 'client_event':
    case 'api_message': details = `${e.event} ${e.data}`; break;
    case 'function': details = `${e.outcome} in ${e.millis} ms`; break;
    case 'subscribed': details = e.userId ? `as ${e.userId}` : ''; break;
    case 'unsubscribed':
      details = [e.userId ? `member ${e.userId} removed` : '', e.reason ?? ''].filter(Boolean).join(' · ');
      break;
    case 'connection': details = `protocol ${e.protocol}`; break;
    case 'error': details = `${e.code ? `${e.code}: ` : ''}${e.message}`; break;
    default: details = '';
  }
  const row = el('tr', { class: e.type, dataset: { type: e.type, seq: e.seq } },
    el('td', {}, new Date(e.time).toLocaleTimeString()), el('td', {}, e.type.replace('_', ' ')),
    el('td', { class: 'mono' }, who), el('td', { class: 'mono' }, where), el('td', { class: 'mono details' }, details));
  row.hidden = state.hidden.has(e.type);
  return row;
}

function renderConsole(body) {
  $('#console-off').hidden = body.enabled;
  if (body.entries.length === 0) return;
  const table = $('#console');
  table.prepend(...body.entries.reverse().map(consoleRow));
  while (table.children.length > MAX_ROWS) table.lastElementChild.remove();
}

// ------------------------------------------------------------------ polling

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function poll() {
  try {
    const app = state.app ? `app=${encodeURIComponent(state.app)}&` : '';
    const stats = await getJson(`api/stats?${app}since=${state.lastTime}`);
    state.app ??= stats.app;
    state.samples.push(...stats.samples);
    state.samples.splice(0, Math.max(0, state.samples.length - HISTORY));
    if (stats.samples.length) state.lastTime = stats.samples[stats.samples.length - 1].t;
    renderStats(stats);
    if (!state.paused) {
      let entries = await getJson(`api/console?app=${encodeURIComponent(state.app)}&after=${state.lastSeq}`);
      if (entries.last < state.lastSeq) {
        // the server restarted and counts from zero again
        entries = await getJson(`api/console?app=${encodeURIComponent(state.app)}&after=0`);
      }
      state.lastSeq = entries.last;
      renderConsole(entries);
    }
    $('#banner').hidden = true;
    document.body.dataset.loaded = 'true';
  } catch (e) {
    $('#banner').hidden = false;
  } finally {
    setTimeout(poll, 1000);
  }
}

$('#app').addEventListener('change', (event) => {
  state.app = event.target.value;
  state.samples = [];
  state.lastTime = 0;
  state.lastSeq = 0;
  $('#console').replaceChildren();
});

poll();
