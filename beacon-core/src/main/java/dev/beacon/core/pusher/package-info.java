/**
 * The Pusher Channels protocol over the hub: connection sessions
 * (https://pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol), user
 * sign-in and watchlists, and the HTTP API
 * (https://pusher.com/docs/channels/library_auth_reference/rest-api).
 */
package dev.beacon.core.pusher;
