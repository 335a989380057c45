// The online / away / offline toggle with a status message: presence:updatePresence, which
// friends and room mates see at once through their own live queries.
import { anyApi as api } from 'convex/server';
import { $ } from '../shared/dom.js';

export function startStatus({ convex, onChanged }) {
  const select = $('#status');
  const message = $('#status-message');
  // what friends were last told, so choosing and then pressing Set tells them once
  let told = '';
  const chosenKey = () => `${select.value}\u0000${message.value.trim()}`;
  const set = async () => {
    const key = chosenKey();
    const presence = await convex.mutation(api.presence.updatePresence,
      { status: select.value, statusMessage: message.value.trim() });
    if (key !== told) {
      told = key;
      onChanged(presence);
    }
  };
  // start from what the server remembers (a status chosen earlier is kept)
  convex.query(api.presence.getMyPresence, {}).then((presence) => {
    select.value = presence.status;
    message.value = presence.statusMessage ?? '';
    told = chosenKey();
  }).catch(console.warn);
  select.addEventListener('change', () => set().catch(console.warn));
  $('#status-form').addEventListener('submit', (event) => {
    event.preventDefault();
    set().catch(console.warn);
  });
}
