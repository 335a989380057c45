/** Shared storage types: pages with cursors and time-ordered ids. The stores themselves are ports of each feature. */
package dev.beacon.core.store;
