// The conversation: messages are Pusher client events (`client-message`) on the room's presence
// channel, seen only by those here now; "seen by" under your own messages is the live query
// readReceipts:getMessageReadReceipts, fed by readers calling readReceipts:markMessageRead; and
// "Alice is typing…" is the live query typing:getTypingInChatroom, fed by typing:startTyping /
// stopTyping calls debounced here.
import { anyApi as api } from 'convex/server';
import { $, el, face } from '../shared/dom.js';

/** Own messages whose receipts are watched live; older ones keep their last "seen by". */
const WATCHED_RECEIPTS = 10;
/** Messages kept on the page. */
const MAX_MESSAGES = 200;
/** Stop typing after this long without a keystroke. */
const IDLE_MILLIS = 1500;

export function startChat({ convex, channel, user, room, typingTtlSeconds, onSent }) {
  const list = $('#messages');
  const unread = [];
  const watched = [];

  const add = (message, mine) => {
    const seen = el('div', { class: 'seen-by' });
    const item = el('li', { class: `message${mine ? ' mine' : ''}`, dataset: { id: message.id, from: message.from } },
      face(message.from),
      el('div', { class: 'bubble' },
        el('div', { class: 'meta' }, el('strong', {}, message.from), ' ',
          el('time', { datetime: new Date(message.ts).toISOString() }, new Date(message.ts).toLocaleTimeString())),
        el('div', { class: 'text' }, message.text),
        seen));
    list.append(item);
    while (list.children.length > MAX_MESSAGES) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
    return seen;
  };

  // ---------------------------------------------------------------- receiving and reading

  const markRead = () => {
    if (document.visibilityState !== 'visible') return;
    for (const m of unread.splice(0)) {
      convex.mutation(api.readReceipts.markMessageRead,
        { chatroomId: room, messageId: m.id, messageTs: m.ts }).catch(console.warn);
    }
  };
  document.addEventListener('visibilitychange', markRead);

  channel.bind('client-message', (message) => {
    if (!message || typeof message.text !== 'string' || typeof message.id !== 'string') return;
    add({ ...message, text: message.text.slice(0, 500) }, false);
    unread.push(message);
    markRead();
  });

  // ---------------------------------------------------------------- sending

  const watchReceipts = (message, seen) => {
    const stop = convex.onUpdate(api.readReceipts.getMessageReadReceipts,
      { chatroomId: room, messageId: message.id, messageTs: message.ts }, (receipts) => {
        const readers = receipts.map((r) => r.userId).filter((id) => id !== user);
        seen.textContent = readers.length ? `Seen by ${readers.join(', ')}` : '';
        seen.dataset.readers = readers.join(',');
      });
    watched.push(stop);
    if (watched.length > WATCHED_RECEIPTS) watched.shift()();
  };

  const input = $('#message-input');
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const message = { id: newId(), text, ts: Date.now(), from: user };
    if (!channel.trigger('client-message', message)) {
      // not connected: say so, keep the text to send again
      input.setCustomValidity('Not sent: reconnecting to the server. Try again in a moment.');
      input.reportValidity();
      setTimeout(() => input.setCustomValidity(''), 3000);
      return;
    }
    input.value = '';
    stopTyping();
    watchReceipts(message, add(message, true));
    onSent(message);
  });

  // ---------------------------------------------------------------- typing

  // refresh before the server lets it expire, at most once a second
  const refreshMillis = Math.max(1000, (typingTtlSeconds * 1000) / 2);
  let typingSince = 0;
  let idleTimer = 0;
  const stopTyping = () => {
    clearTimeout(idleTimer);
    if (typingSince) {
      typingSince = 0;
      convex.mutation(api.typing.stopTyping, { chatroomId: room }).catch(console.warn);
    }
  };
  input.addEventListener('input', () => {
    if (!input.value) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - typingSince >= refreshMillis) {
      typingSince = now;
      convex.mutation(api.typing.startTyping, { chatroomId: room }).catch(console.warn);
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, IDLE_MILLIS);
  });
  input.addEventListener('blur', stopTyping);

  convex.onUpdate(api.typing.getTypingInChatroom, { chatroomId: room }, (typists) => {
    $('#typing').textContent = typingText(typists.map((t) => t.userId));
    $('#typing').dataset.users = typists.map((t) => t.userId).join(',');
  });
}

function typingText(ids) {
  if (ids.length === 0) return '';
  if (ids.length === 1) return `${ids[0]} is typing…`;
  if (ids.length === 2) return `${ids[0]} and ${ids[1]} are typing…`;
  return `${ids[0]}, ${ids[1]} and ${ids.length - 2} more are typing…`;
}

/** A message id within the functions' id alphabet, unique enough for a room. */
function newId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
