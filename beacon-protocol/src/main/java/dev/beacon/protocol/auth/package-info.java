/**
 * Pusher's authentication signatures: https://pusher.com/docs/channels/library_auth_reference/auth-signatures
 * and the HTTP API request signature of https://pusher.com/docs/channels/library_auth_reference/rest-api.
 */
package dev.beacon.protocol.auth;
