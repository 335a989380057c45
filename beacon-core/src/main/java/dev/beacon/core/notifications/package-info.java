/** {@code notifications:*} (SPEC section 4): durable per-user notifications. */
package dev.beacon.core.notifications;
