/**
 * The Convex sync protocol over WebSocket, as the {@code convex} npm package defines it in
 * {@code browser/sync/protocol.ts}: query sets, transitions between state versions, mutations,
 * authentication.
 */
package dev.beacon.protocol.convex.sync;
