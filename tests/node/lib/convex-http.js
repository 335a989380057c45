'use strict';

// The `convex` npm HTTP client against a test server, as a signed-in user (a JWT from the
// development /dev/token endpoint) or as the app's backend (its admin key).

const { ConvexHttpClient } = require('convex/browser');
const { APPS } = require('./server');

/** A ConvexHttpClient signed in as `user`. */
async function httpAsUser(server, user) {
  const response = await fetch(`${server.httpUrl}/dev/token?user=${encodeURIComponent(user)}`);
  const client = new ConvexHttpClient(server.httpUrl, { logger: false });
  client.setAuth((await response.json()).token);
  return client;
}

/** A ConvexHttpClient calling as the app's backend. */
function httpAsBackend(server, secret = APPS.main.secret) {
  const client = new ConvexHttpClient(server.httpUrl, { logger: false });
  client.setAdminAuth(secret);
  return client;
}

module.exports = { httpAsBackend, httpAsUser };
