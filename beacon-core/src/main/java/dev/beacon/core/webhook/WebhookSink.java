package dev.beacon.core.webhook;

/**
 * Where core's webhook events go. {@link #emit} is called from event loops and under locks: it
 * must never block (a full queue drops the event and counts it).
 */
public interface WebhookSink {

  /** Sends nothing (no app has webhooks, tests). */
  WebhookSink NONE = (appId, event) -> {};

  /** Queues an event of an app for the endpoints that take it. */
  void emit(String appId, WebhookEvent event);
}
