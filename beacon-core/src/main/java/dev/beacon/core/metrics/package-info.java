/** The metrics port: what the domain counts, for the server to export. */
package dev.beacon.core.metrics;
