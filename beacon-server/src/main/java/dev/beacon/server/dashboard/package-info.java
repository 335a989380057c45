/**
 * The operator's dashboard at {@code /dashboard}: live numbers computed from the server's own
 * Micrometer registry, and a per-app debug console like Pusher's, both behind HTTP basic auth
 * when credentials are configured (always, in production).
 */
package dev.beacon.server.dashboard;
