/**
 * The push services behind the {@link dev.beacon.core.push.PushSender} port: Web Push (RFC 8030
 * delivery, RFC 8291 message encryption, RFC 8292 VAPID), APNs over HTTP/2 with token auth
 * (Pushy) and FCM HTTP v1 with an OAuth token from a service account; their metrics and the
 * route that gives pages an app's VAPID public key.
 */
package dev.beacon.server.push;
