// The notification bell: unread count and the latest notifications are live queries
// (notifications:getUnreadCount, notifications:subscribeToNotifications); "Mark all read" and a
// click on one notification are mutations. Notifications to others are pushed by a backend: here
// the development helper behind the "Wave" buttons.
import { anyApi as api } from 'convex/server';
import { $, el, timeAgo } from '../shared/dom.js';

export function startBell({ convex }) {
  const bell = $('#bell');
  const panel = $('#notifications');
  let latest = [];

  const toggle = (open = panel.hidden) => {
    panel.hidden = !open;
    bell.setAttribute('aria-expanded', String(open));
  };
  bell.addEventListener('click', (event) => {
    event.stopPropagation();
    toggle();
  });
  document.addEventListener('click', (event) => {
    if (!panel.hidden && !panel.contains(event.target)) toggle(false);
  });

  $('#mark-all-read').addEventListener('click', () => {
    convex.mutation(api.notifications.markAllAsRead, {}).catch(console.warn);
  });

  convex.onUpdate(api.notifications.getUnreadCount, {}, (count) => {
    const badge = $('#bell-count');
    badge.textContent = String(count);
    badge.hidden = count === 0;
    bell.dataset.unread = String(count);
  });

  const render = () => {
    const now = Date.now();
    $('#notification-list').replaceChildren(...latest.map((n) => el('li', {
      class: n.read ? 'read' : 'unread',
      dataset: { id: n._id },
      onclick: () => {
        if (!n.read) convex.mutation(api.notifications.markAsRead, { notificationId: n._id }).catch(console.warn);
      },
    }, el('span', { class: 'title' }, n.title), el('time', {}, timeAgo(n._creationTime, now)))));
    $('#no-notifications').hidden = latest.length > 0;
  };
  convex.onUpdate(api.notifications.subscribeToNotifications, { limit: 10 }, (page) => {
    latest = page.page;
    render();
  });
  setInterval(render, 15_000);
}
