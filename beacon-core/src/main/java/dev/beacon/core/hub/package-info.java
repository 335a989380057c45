/**
 * The channel hub: lanes (one per event loop), channels, subscriptions, presence rosters and
 * fan-out. Nothing here knows the transport; connections are reached through {@link
 * dev.beacon.core.hub.Subscriber} and run on their {@link dev.beacon.core.hub.Lane}.
 */
package dev.beacon.core.hub;
