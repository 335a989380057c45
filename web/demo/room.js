// Who is in the room: a face pile (online first, "+N" after five) and a list with each member's
// status, or when they were last seen if they left. Both come from live queries: rooms:list for
// the membership (the room's presence channel, which this page has joined) and
// presence:getBatchPresence for the status each member chose.
import { anyApi as api } from 'convex/server';
import { $, el, face, timeAgo } from '../shared/dom.js';

const PILE_SIZE = 5;

export function watchRoom({ convex, user, room, onWave }) {
  let members = [];
  let presences = new Map();
  let stopPresence = () => {};
  let watchedIds = '';

  const render = () => {
    const now = Date.now();
    const pile = $('#facepile');
    // in the room but chose to appear offline: shown as offline, like anyone else who is
    const visible = (m) => m.online && !(presences.get(m.userId)?.online === false);
    const faces = members.slice(0, PILE_SIZE).map((m) => face(m.userId, {
      online: visible(m),
      title: m.online ? m.userId : `${m.userId}, last seen ${timeAgo(m.lastSeen, now)}`,
    }));
    if (members.length > PILE_SIZE) {
      const more = members.length - PILE_SIZE;
      faces.push(el('span', { class: 'face more', title: `${more} more` }, `+${more}`));
    }
    pile.replaceChildren(...faces);
    $('#members').replaceChildren(...members.map((m) => {
      const p = presences.get(m.userId);
      let status;
      if (!m.online) {
        status = m.lastSeen ? `left · last seen ${timeAgo(m.lastSeen, now)}` : 'left';
      } else if (p) {
        // 'offline' here is user-level presence: chose to appear offline, or no session of its own
        status = p.online ? p.status : 'offline';
        if (p.online && p.statusMessage) status += ` — “${p.statusMessage}”`;
      } else {
        status = 'here';
      }
      const state = !m.online ? 'left' : (p && p.online ? p.status : (p ? 'offline' : 'online'));
      return el('li', { class: 'member', dataset: { user: m.userId, online: String(m.online), status: state } },
        face(m.userId, { online: visible(m) }),
        el('span', { class: 'who' },
          el('span', { class: 'name' }, m.userId === user ? `${m.userId} (you)` : m.userId),
          el('span', { class: 'status-line' }, el('i', { class: `dot ${state}` }), status)),
        m.userId !== user && m.online
          ? el('button', { class: 'wave', type: 'button', title: `Send ${m.userId} a notification`, onclick: () => onWave(m.userId) }, 'Wave')
          : null);
    }));
  };

  convex.onUpdate(api.rooms.list, { roomId: room }, (list) => {
    members = list;
    const ids = list.map((m) => m.userId).sort().join(',');
    if (ids !== watchedIds) {
      watchedIds = ids;
      stopPresence();
      stopPresence = convex.onUpdate(api.presence.getBatchPresence, { userIds: list.map((m) => m.userId) },
        (batch) => {
          presences = new Map(batch.map((p) => [p.userId, p]));
          render();
        });
    }
    render();
  });
  // "last seen 3 min ago" moves on by itself
  setInterval(render, 15_000);
}
