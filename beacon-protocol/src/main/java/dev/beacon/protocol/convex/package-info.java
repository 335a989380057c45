/**
 * The Convex client protocol: the value encoding and the HTTP function API as the {@code convex}
 * npm package's {@code ConvexHttpClient} speaks them (browser/http_client.ts, values/value.ts).
 */
package dev.beacon.protocol.convex;
