package dev.beacon.core.push;

import java.util.Locale;
import java.util.Optional;

/** The push service a device is reached through. */
public enum DeviceKind {
  /** Web Push (RFC 8030/8291/8292): a browser's PushSubscription. */
  WEB,
  /** Apple Push Notification service: a device token. */
  APNS,
  /** Firebase Cloud Messaging: a registration token. */
  FCM;

  /** As functions and the store spell it: {@code web}, {@code apns}, {@code fcm}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<DeviceKind> parse(String name) {
    for (DeviceKind k : values()) {
      if (k.wireName().equals(name)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
