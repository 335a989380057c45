/** {@code presence:*} (SPEC section 4): user-level online status, sessions and last-seen. */
package dev.beacon.core.presence;
