// Browser push for the signed-in user: the page registers its service worker (sw.js) and reads
// the app's VAPID public key (push:getVapidPublicKey); "Enable push" asks for permission,
// subscribes with that key and registers the subscription with push:register. Beacon then pushes
// this user's notifications while no window of theirs is connected. A real subscription needs the
// browser vendor's push service (Chrome's is Google's), so it fails on a closed network: the
// status line says why.
import { anyApi as api } from 'convex/server';
import { $ } from '../shared/dom.js';

export async function startPush({ convex }) {
  const button = $('#push-enable');
  const status = $('#push-status');
  const say = (text, state) => {
    status.textContent = text;
    status.dataset.state = state;
  };
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    button.disabled = true;
    say('This browser has no Web Push.', 'unsupported');
    return;
  }
  try {
    const key = await convex.query(api.push.getVapidPublicKey, {});
    if (!key) {
      button.disabled = true;
      say('This app has no Web Push configured.', 'unconfigured');
      return;
    }
    status.dataset.vapidKey = key;
    const registration = await navigator.serviceWorker.register('sw.js');
    const existing = await registration.pushManager.getSubscription();
    say(existing ? 'Push is on for this browser.'
      : `Service worker ready; VAPID key ${key.slice(0, 12)}…`, existing ? 'on' : 'ready');
    button.hidden = Boolean(existing);
    button.addEventListener('click', async () => {
      try {
        if ((await Notification.requestPermission()) !== 'granted') {
          say('Notifications are blocked for this page.', 'denied');
          return;
        }
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: key,
        });
        await convex.mutation(api.push.register, { kind: 'web', subscription: subscription.toJSON() });
        button.hidden = true;
        say('Push is on: notifications reach you when no window is open.', 'on');
      } catch (e) {
        say(`Could not subscribe: ${e.message}`, 'error');
      }
    });
  } catch (e) {
    say(`Push unavailable: ${e.message}`, 'error');
  }
}
