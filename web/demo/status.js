// The online / away / offline toggle with a status message: presence:updatePresence, which
// friends and room mates see at once through their own live queries.
import { anyApi as api } from 'convex/server';
import { $ } from '../shared/dom.js';

/** A status is told to friends' activity once: a message set for it within a minute is not. */
const RETELL_AFTER_MS = 60_000;

export function startStatus({ convex, onChanged }) {
  const select = $('#status');
  const message = $('#status-message');
  // what friends were last told, so that choosing a status and then pressing Set (or adding a
  // message to it) tells them once
  let told = { key: '', status: '', at: 0 };
  const chosenKey = () => `${select.value}\u0000${message.value.trim()}`;
  const set = async () => {
    const key = chosenKey();
    const status = select.value;
    const now = Date.now();
    // decided before the mutation is sent, so that two submissions in a row (the dropdown's
    // change, then Enter in the message field) cannot both tell
    const tell = key !== told.key && (status !== told.status || now - told.at >= RETELL_AFTER_MS);
    if (tell) told = { key, status, at: now };
    else told = { ...told, key };
    const presence = await convex.mutation(api.presence.updatePresence,
      { status, statusMessage: message.value.trim() });
    if (tell) onChanged(presence);
  };
  // start from what the server remembers (a status chosen earlier is kept), unless the user has
  // already chosen or typed (the answer can come after a quick first choice, and is older)
  let touched = false;
  message.addEventListener('input', () => { touched = true; });
  convex.query(api.presence.getMyPresence, {}).then((presence) => {
    if (touched) return;
    select.value = presence.status;
    message.value = presence.statusMessage ?? '';
    told = { key: chosenKey(), status: presence.status, at: 0 };
  }).catch(console.warn);
  // one submission per change of the dropdown; the form's Set (or Enter) submits the message
  select.addEventListener('change', () => {
    touched = true;
    set().catch(console.warn);
  });
  $('#status-form').addEventListener('submit', (event) => {
    event.preventDefault();
    set().catch(console.warn);
  });
}
