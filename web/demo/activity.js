// Friend activity: the live query friendActivity:getFriendActivityFeed over the caller's
// registered friends (the demo's helper befriends everyone who joins the same room), fed by
// friendActivity:recordActivity calls this page makes when its user joins, talks, waves or
// changes status.
import { anyApi as api } from 'convex/server';
import { $, el, face, timeAgo } from '../shared/dom.js';

export function startActivity({ convex }) {
  let items = [];
  const render = () => {
    const now = Date.now();
    $('#activity').replaceChildren(...items.map((a) => el('li', { dataset: { user: a.userId, type: a.type } },
      face(a.userId),
      el('span', {}, el('strong', {}, a.userId), ' ', describe(a)),
      el('time', {}, timeAgo(a._creationTime, now)))));
    $('#no-activity').hidden = items.length > 0;
  };
  convex.onUpdate(api.friendActivity.getFriendActivityFeed, { limit: 15 }, (page) => {
    items = page.page;
    render();
  });
  setInterval(render, 15_000);

  return (type, data) => convex.mutation(api.friendActivity.recordActivity, { type, data }).catch(console.warn);
}

function describe({ type, data = {} }) {
  switch (type) {
    case 'joined': return `joined #${data.roomId}`;
    case 'message': return `said something in #${data.roomId}`;
    case 'waved': return `waved at ${data.to}`;
    case 'status': return data.statusMessage ? `is ${data.status}: “${data.statusMessage}”` : `is ${data.status}`;
    default: return type;
  }
}
