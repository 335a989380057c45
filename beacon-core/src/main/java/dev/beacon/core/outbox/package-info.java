/**
 * The port between the features that create something a user should hear of (a notification, a
 * conversation message, a backend's {@code push:send}) and offline push (SPEC section 5b): a
 * feature asks {@link dev.beacon.core.outbox.OfflinePush} whether a push is due and stores the
 * {@link dev.beacon.core.outbox.PushIntent} it gets in the same transaction as its own record,
 * so that a push is never lost nor made for something that was not stored.
 */
package dev.beacon.core.outbox;
