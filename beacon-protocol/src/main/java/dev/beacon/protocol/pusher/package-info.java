/**
 * The Pusher Channels WebSocket protocol, version 7 (and 5, 6):
 * https://pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol. Where the
 * reference and the official clients (pusher-js, pusher-java-client) differ, the clients win.
 */
package dev.beacon.protocol.pusher;
