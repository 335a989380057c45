'use strict';

// Signed HTTP API requests built by hand (no SDK), so that a test can get one part wrong: the
// secret, the timestamp, or the body the signature covers.

const crypto = require('node:crypto');
const { APPS } = require('./server');

function md5(text) {
  return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * The signed query string of a request, as the Pusher HTTP API defines it: the upper-case method,
 * the path and the sorted `key=value` parameters, HMAC-SHA256 with the secret.
 */
function signedQuery({ app, method, path, params = {}, body, timestamp }) {
  const query = {
    auth_key: app.key,
    auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...params,
  };
  if (body !== undefined) {
    query.body_md5 = md5(body);
  }
  const sorted = Object.keys(query).sort().map((k) => `${k}=${query[k]}`).join('&');
  const signature = crypto.createHmac('sha256', app.secret)
    .update(`${method}\n${path}\n${sorted}`).digest('hex');
  return `${sorted}&auth_signature=${signature}`;
}

/**
 * Sends a request to `/apps/{app.id}{path}`.
 *
 * @param {object} options
 * @param {string} [options.body] the body sent
 * @param {string} [options.signedBody] the body the signature covers (default: the body)
 * @param {object} [options.app] whose id, key and secret to use (default: the main app)
 * @param {number} [options.timestamp] auth_timestamp in seconds
 * @returns {{status: number, json: object|undefined, text: string}}
 */
async function apiRequest(server, {
  method = 'POST', path, params, body, signedBody = body, app = APPS.main, timestamp,
} = {}) {
  const fullPath = `/apps/${app.id}${path}`;
  const query = signedQuery({ app, method, path: fullPath, params, body: signedBody, timestamp });
  const response = await fetch(`${server.httpUrl}${fullPath}?${query}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/** POST /events with an event object. */
function postEvent(server, event, options = {}) {
  return apiRequest(server, { path: '/events', body: JSON.stringify(event), ...options });
}

module.exports = { apiRequest, postEvent, signedQuery };
