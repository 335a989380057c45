/**
 * The port between core and webhooks (SPEC section 5a): core reports what happened as {@link
 * dev.beacon.core.webhook.WebhookEvent}s to a {@link dev.beacon.core.webhook.WebhookSink}, which
 * the server implements (queues, signs, batches, delivers and retries them over HTTP; core knows
 * no HTTP). Channel occupancy and membership reach the sink through a {@link
 * dev.beacon.core.hub.ChannelLifecycle}, which decides, with the grace period, which transitions
 * become events: {@link dev.beacon.core.webhook.LocalLifecycle} on one node; in a cluster the
 * server's cluster adapter decides on the whole cluster's state instead.
 */
package dev.beacon.core.webhook;
