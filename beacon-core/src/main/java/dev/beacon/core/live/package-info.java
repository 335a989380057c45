/**
 * Live queries and the Convex sync protocol: the engine that re-runs exactly the queries a change
 * touches and shares evaluations between identical subscriptions, and the per-connection session
 * that turns results into transitions (the {@code convex} npm package's
 * browser/sync/protocol.ts).
 */
package dev.beacon.core.live;
