// Beacon's demo chat room. It talks to Beacon with the same public clients an app would use:
// pusher-js for the room's presence channel (membership) and the Convex browser client for the
// built-in functions and their live queries (the stored conversation of the room among them). Sign-in is the
// development mode's: /dev/token mints a user's JWT and /pusher/auth signs the subscription.
import Pusher from 'pusher-js';
import { ConvexClient } from 'convex/browser';
import { anyApi as api } from 'convex/server';
import { $, el, face } from '../shared/dom.js';
import { watchConnections } from './connection.js';
import { watchRoom } from './room.js';
import { startChat } from './chat.js';
import { startBell } from './bell.js';
import { startPush } from './push.js';
import { startActivity } from './activity.js';
import { startStatus } from './status.js';

const ID = /^[A-Za-z0-9_\-=@,.;]{1,64}$/;

async function getJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${url}: HTTP ${response.status}`);
  return body;
}

const token = (user) => getJson(`/dev/token?user=${encodeURIComponent(user)}`).then((t) => t.token);

/** Calls the demo's stand-in backend (development mode only) as the signed-in user. */
async function backend(path, body, user) {
  return getJson(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(user)}` },
    body: JSON.stringify(body),
  });
}

function subscribed(channel) {
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', resolve);
    channel.bind('pusher:subscription_error', (e) => reject(new Error(e.error ?? 'subscription refused')));
  });
}

/**
 * Shows the room at once, with this user in it as "joining…", while the clients connect: the
 * live queries then fill it in (and replace the placeholder).
 */
function showRoom(user, room) {
  $('#join').hidden = true;
  $('#room').hidden = false;
  $('#me').hidden = false;
  $('#my-name').textContent = user;
  $('#room-label').textContent = room;
  document.title = `${user} · #${room} · Beacon demo`;
  const me = face(user);
  me.dataset.online = 'joining';
  $('#facepile').replaceChildren(me);
  $('#members').replaceChildren(el('li', { class: 'member', dataset: { user, online: 'joining' } },
    face(user),
    el('span', { class: 'who' },
      el('span', { class: 'name' }, `${user} (you)`),
      el('span', { class: 'status-line' }, el('i', { class: 'dot' }), 'joining…'))));
  document.body.dataset.joining = 'true';
}

/** Back to the join form (joining failed). */
function hideRoom() {
  $('#join').hidden = false;
  $('#room').hidden = true;
  $('#me').hidden = true;
  $('#facepile').replaceChildren();
  $('#members').replaceChildren();
  delete document.body.dataset.joining;
}

async function join(user, room) {
  // the token is fetched first only to fail early with the server's reason for a bad name
  const [config] = await Promise.all([getJson('config.json'), token(user)]);

  const convex = new ConvexClient(location.origin, { unsavedChangesWarning: false });
  convex.setAuth(() => token(user));

  const secure = location.protocol === 'https:';
  const port = Number(location.port || (secure ? 443 : 80));
  const pusher = new Pusher(config.appKey, {
    wsHost: location.hostname, wsPort: port, wssPort: port, forceTLS: secure,
    // only the scheme this page was served with: no attempt wasted on the other one
    enabledTransports: [secure ? 'wss' : 'ws'], cluster: 'local', disableStats: true,
    channelAuthorization: {
      endpoint: '/pusher/auth', transport: 'ajax',
      params: { user_id: user, user_info: JSON.stringify({ name: user }) },
    },
  });
  // another window of this user already in the room (a second tab): its joining was told then.
  // Asked before this window enters the room, since afterwards rooms:list holds this one too.
  const alreadyHere = (await convex.query(api.rooms.list, { roomId: room }))
    .some((m) => m.userId === user && m.online);
  // being subscribed to the room's presence channel is being in the room (rooms:list shows it)
  const channel = pusher.subscribe(`presence-room-${room}`);
  await subscribed(channel);
  watchConnections(pusher, convex);

  const record = startActivity({ convex });
  // the stand-in backend makes everyone in this room friends, so activity and presence show, and
  // puts this user in the room's stored conversation (its id is the room's)
  await backend('/dev/demo/join', { roomId: room }, user);
  if (!alreadyHere) record('joined', { roomId: room });

  watchRoom({
    convex, user, room,
    onWave: (to) => backend('/dev/demo/nudge', { userId: to }, user)
      .then(() => record('waved', { to })).catch(console.warn),
  });
  let lastTalk = 0;
  startChat({
    convex, user, room, typingTtlSeconds: config.typingTtlSeconds,
    backend: (path, body) => backend(path, body, user),
    onSent: () => {
      // one "said something" per minute is enough for a feed
      if (Date.now() - lastTalk > 60_000) {
        lastTalk = Date.now();
        record('message', { roomId: room });
      }
    },
  });
  startBell({ convex });
  startPush({ convex });
  startStatus({
    convex,
    // appearing offline tells friends "is offline" and nothing more: a status message would
    // give away that the user is there (the member list hides it too)
    onChanged: (p) => record('status', p.status === 'offline'
      ? { status: 'offline' }
      : { status: p.status, statusMessage: p.statusMessage }),
  });
  document.body.dataset.joined = 'true';
}

const form = $('#join-form');
const params = new URLSearchParams(location.search);
if (params.get('room')) $('#join-room').value = params.get('room');
if (params.get('user')) $('#join-name').value = params.get('user');
// a reload of a joined page (?user=…&room=…) joins again by itself
if (params.get('user') && params.get('room')) {
  queueMicrotask(() => form.requestSubmit());
}
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = $('#join-name').value.trim();
  const room = $('#join-room').value.trim();
  const error = $('#join-error');
  if (!ID.test(user) || !ID.test(room)) {
    error.textContent = 'Names and rooms are letters, digits and _ - = @ , . ; without spaces.';
    error.hidden = false;
    return;
  }
  $('#join-button').disabled = true;
  // before anything is awaited: the room shows the moment Join is pressed
  showRoom(user, room);
  try {
    await join(user, room);
    history.replaceState(null, '', `?user=${encodeURIComponent(user)}&room=${encodeURIComponent(room)}`);
  } catch (e) {
    hideRoom();
    error.textContent = `Could not join: ${e.message}`;
    error.hidden = false;
    $('#join-button').disabled = false;
  }
});
