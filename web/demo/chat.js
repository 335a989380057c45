// The conversation: stored messages (the room's id is a Beacon conversation the stand-in backend
// puts each visitor in). The newest page is the live query messages:list, so new messages, edits
// and a streamed reply growing token by token all arrive through it; "Load older" pages back
// through history with the same query's continueCursor. The unread badge is conversations:listMine's
// unreadCount, moved by readReceipts:markChatroomRead while the newest message is in view. "Seen by"
// under your own messages is the live query readReceipts:getMessageReadReceipts, fed by readers
// calling readReceipts:markMessageRead; "Alice is typing…" is typing:getTypingInChatroom.
import { anyApi as api } from 'convex/server';
import { $, el, face } from '../shared/dom.js';

/** Messages per page, live and older. */
const PAGE = 30;
/** Own messages whose receipts are watched live; older ones keep their last "seen by". */
const WATCHED_RECEIPTS = 10;
/** Messages kept on the page: older pages stop being offered past this. */
const MAX_MESSAGES = 1000;
/** Stop typing after this long without a keystroke. */
const IDLE_MILLIS = 1500;
/** How close to the end of the list counts as "reading the newest". */
const BOTTOM_PX = 40;

export function startChat({ convex, user, room, typingTtlSeconds, onSent, backend }) {
  const list = $('#messages');
  const shown = new Map(); // message id -> its list item
  const receiptsWatched = [];
  const toMark = []; // others' messages not yet marked read
  let olderCursor = null;
  let moreOlder = false;
  let firstPage = true;
  let unread = 0;
  let marking = false;

  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < BOTTOM_PX;
  const toBottom = () => { list.scrollTop = list.scrollHeight; };

  // ---------------------------------------------------------------- showing messages

  const from = (m) => m.userId || m.role;
  const render = (m, item) => {
    item.className = `message${m.userId === user ? ' mine' : ''}${m.isStreaming ? ' streaming' : ''}`;
    Object.assign(item.dataset, { id: m._id, seq: m.seq, from: from(m), role: m.role, status: m.status });
    const text = item.querySelector('.text');
    text.textContent = m.deleted ? 'message deleted' : m.content;
    text.classList.toggle('deleted', m.deleted);
    item.querySelector('.edited').textContent = m.edited && !m.deleted ? ' (edited)' : '';
    item.querySelector('.state').textContent = m.isStreaming ? ' writing…'
      : (m.status === 'timeout' || m.status === 'error' ? ` (${m.status})` : '');
  };

  /** Shows or updates a message; `live`: it just arrived (read receipts are for those). */
  const upsert = (m, live) => {
    let item = shown.get(m._id);
    if (!item) {
      const ts = new Date(m.createdAt);
      item = el('li', {},
        face(from(m)),
        el('div', { class: 'bubble' },
          el('div', { class: 'meta' }, el('strong', {}, from(m)), ' ',
            el('time', { datetime: ts.toISOString() }, ts.toLocaleTimeString()),
            el('span', { class: 'edited' }), el('span', { class: 'state' })),
          el('div', { class: 'text' }),
          el('div', { class: 'seen-by' })));
      shown.set(m._id, item);
      // in sequence order: the first shown message with a higher seq comes after it
      const after = [...list.children].find((li) => Number(li.dataset.seq) > m.seq);
      list.insertBefore(item, after ?? null);
      if (m.userId === user && m.role === 'user') watchReceipts(m, item.querySelector('.seen-by'));
      else if (live) toMark.push(m);
    }
    render(m, item);
  };

  const olderButton = $('#load-older');
  const showOlderButton = () => {
    olderButton.hidden = !moreOlder || shown.size >= MAX_MESSAGES;
  };
  olderButton.addEventListener('click', async () => {
    olderButton.disabled = true;
    try {
      const page = await convex.query(api.messages.list,
        { conversationId: room, paginationOpts: { numItems: PAGE, cursor: olderCursor } });
      const height = list.scrollHeight;
      page.page.forEach((m) => upsert(m, false));
      list.scrollTop += list.scrollHeight - height; // keep what was in view where it was
      olderCursor = page.continueCursor;
      moreOlder = !page.isDone;
    } catch (e) {
      console.warn(e);
    } finally {
      olderButton.disabled = false;
      showOlderButton();
    }
  });

  convex.onUpdate(api.messages.list,
    { conversationId: room, paginationOpts: { numItems: PAGE, cursor: null } }, (result) => {
      const follow = firstPage || atBottom();
      // history (the first result) is read through the watermark; what arrives later, each
      result.page.forEach((m) => upsert(m, !firstPage));
      if (firstPage) {
        // the live page keeps its end: older pages start at its first continueCursor
        firstPage = false;
        olderCursor = result.continueCursor;
        moreOlder = !result.isDone;
        showOlderButton();
      }
      if (follow) toBottom();
      const streaming = result.page.some((m) => m.isStreaming);
      $('#stream-reply').disabled = streaming;
      readIfInView();
    }, (error) => console.warn('messages:list', error));

  // ---------------------------------------------------------------- reading and unread

  const badge = $('#unread');
  convex.onUpdate(api.conversations.listMine, {}, (result) => {
    unread = result.page.find((c) => c.conversationId === room)?.unreadCount ?? 0;
    badge.textContent = `${unread} unread ↓`;
    badge.dataset.unread = String(unread);
    badge.hidden = unread === 0;
    document.title = `${unread ? `(${unread}) ` : ''}${user} · #${room} · Beacon demo`;
    readIfInView();
  });

  // the newest message in view on a visible page is read: each one for "seen by", and the
  // conversation's watermark for the unread count
  const readIfInView = () => {
    if (document.visibilityState !== 'visible' || !atBottom()) return;
    for (const m of toMark.splice(0)) {
      convex.mutation(api.readReceipts.markMessageRead,
        { chatroomId: room, messageId: m._id, messageTs: m.createdAt }).catch(console.warn);
    }
    if (unread > 0 && !marking) {
      marking = true;
      convex.mutation(api.readReceipts.markChatroomRead, { chatroomId: room })
        .catch(console.warn).finally(() => { marking = false; });
    }
  };
  list.addEventListener('scroll', readIfInView);
  document.addEventListener('visibilitychange', readIfInView);
  badge.addEventListener('click', () => {
    toBottom();
    readIfInView();
  });

  const watchReceipts = (message, seen) => {
    const stop = convex.onUpdate(api.readReceipts.getMessageReadReceipts,
      { chatroomId: room, messageId: message._id, messageTs: message.createdAt }, (receipts) => {
        const readers = receipts.map((r) => r.userId).filter((id) => id !== user);
        seen.textContent = readers.length ? `Seen by ${readers.join(', ')}` : '';
        seen.dataset.readers = readers.join(',');
      });
    receiptsWatched.push(stop);
    if (receiptsWatched.length > WATCHED_RECEIPTS) receiptsWatched.shift()();
  };

  // ---------------------------------------------------------------- sending

  const input = $('#message-input');
  const refuse = (why) => {
    input.setCustomValidity(why);
    input.reportValidity();
    setTimeout(() => input.setCustomValidity(''), 3000);
  };
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (document.body.dataset.connection === 'reconnecting') {
      // keep the text to send again
      refuse('Not sent: reconnecting to the server. Try again in a moment.');
      return;
    }
    input.value = '';
    stopTyping();
    toBottom();
    // a retry of the same call (clientMessageId) is stored once
    convex.mutation(api.messages.send, { conversationId: room, content: text, clientMessageId: newId() })
      .then(() => onSent())
      .catch((e) => {
        input.value = text;
        refuse(`Not sent: ${e.message}`);
      });
  });

  // a simulated assistant streams a reply into the room, token by token, from the server side
  $('#stream-reply').addEventListener('click', () => {
    $('#stream-reply').disabled = true;
    backend('/dev/demo/reply', { conversationId: room }).catch((e) => {
      $('#stream-reply').disabled = false;
      console.warn(e);
    });
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

/** A client message id (1-128 characters), unique enough for a user. */
function newId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
