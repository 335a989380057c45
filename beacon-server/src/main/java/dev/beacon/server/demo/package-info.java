/**
 * The demo chat room at {@code /demo} and the stand-in backend it needs, both development-only:
 * the page uses pusher-js and the Convex browser client exactly as an app would.
 */
package dev.beacon.server.demo;
