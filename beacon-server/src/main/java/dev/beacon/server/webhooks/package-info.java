/**
 * Webhooks (SPEC section 5a): the sender that core's {@link dev.beacon.core.webhook.WebhookSink}
 * port feeds. It queues each event for the endpoints whose types and channel filter take it,
 * batches when the app asks, signs each request per endpoint as Pusher does, and delivers off the
 * event loops with timeouts and retries. See docs/WEBHOOKS.md.
 */
package dev.beacon.server.webhooks;
