/** {@code friendActivity:*} (SPEC section 4): durable friend activity with a TTL. */
package dev.beacon.core.activity;
