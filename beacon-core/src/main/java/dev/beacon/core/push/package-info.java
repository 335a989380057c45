/**
 * Offline push (SPEC section 5b): devices registered per user (Web Push subscriptions, APNs and
 * FCM tokens), the durable outbox that every push goes through, and its dispatcher, which sends
 * off the event loops through the {@link dev.beacon.core.push.PushSender} port with retries and
 * removes dead registrations.
 */
package dev.beacon.core.push;
