package dev.beacon.core.push;

/** Where push counts go ({@code /metrics}, the dashboard). */
public interface PushMetrics {

  PushMetrics NONE = new PushMetrics() {};

  /** A push the service accepted. */
  default void sent(String appId, DeviceKind kind) {}

  /** A send that will be tried again. */
  default void retried(String appId, DeviceKind kind, String reason) {}

  /** A push given up: refused by the service, or out of time. */
  default void failed(String appId, DeviceKind kind, String reason) {}

  /** A dead registration removed. */
  default void removed(String appId, DeviceKind kind) {}

  /** A push not stored at all: {@code rate_limited} (the user's rate), {@code queue_full}. */
  default void skipped(String appId, String reason) {}
}
