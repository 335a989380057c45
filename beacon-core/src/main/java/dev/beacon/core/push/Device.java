package dev.beacon.core.push;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A registered device of a user.
 *
 * @param address the Web Push endpoint URL, or the APNs / FCM token
 * @param p256dh the subscription's public key (base64url), empty for tokens
 * @param auth the subscription's auth secret (base64url), empty for tokens
 */
public record Device(String id, String userId, DeviceKind kind, String address, String p256dh,
    String auth, long createdAt) {

  public Device {
    p256dh = p256dh == null ? "" : p256dh;
    auth = auth == null ? "" : auth;
  }

  /** As {@code push:listMine} returns it. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("_id", id);
    n.put("_creationTime", (double) createdAt);
    n.put("userId", userId);
    n.put("kind", kind.wireName());
    if (kind == DeviceKind.WEB) {
      n.put("endpoint", address);
    } else {
      n.put("token", address);
    }
    return n;
  }
}
