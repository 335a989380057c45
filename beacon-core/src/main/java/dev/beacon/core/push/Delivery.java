package dev.beacon.core.push;

import java.util.OptionalLong;

/** What a push service answered to one send. */
public sealed interface Delivery {

  /** Accepted by the service. */
  record Delivered() implements Delivery {}

  /**
   * Not now: throttled (429), a server error (5xx) or no answer. Tried again after {@code
   * afterMillis} when the service said so ({@code Retry-After}), else after a backoff.
   */
  record Retry(OptionalLong afterMillis, String reason) implements Delivery {}

  /** The registration is dead (Web Push 404/410, APNs Unregistered, FCM UNREGISTERED): remove it. */
  record Gone(String reason) implements Delivery {}

  /** Refused for good (a bad request, a payload too large, credentials refused): not retried. */
  record Rejected(String reason) implements Delivery {}

  static Delivery retry(String reason) {
    return new Retry(OptionalLong.empty(), reason);
  }
}
