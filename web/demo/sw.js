// The demo's service worker: shows a Beacon Web Push ({id, title, body, data, url}) as a system
// notification, and opens the push's url (or the demo) when it is clicked.
self.addEventListener('push', (event) => {
  let message = { title: 'Beacon', body: '' };
  try {
    message = event.data ? event.data.json() : message;
  } catch {
    message = { title: 'Beacon', body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body, tag: message.id, data: message,
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url || self.registration.scope;
  event.waitUntil(self.clients.openWindow(url));
});
