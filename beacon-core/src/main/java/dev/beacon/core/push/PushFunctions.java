package dev.beacon.core.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.app.App;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.ArgumentValidationException;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.DependencyKey;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Validator;
import dev.beacon.core.outbox.PushContent;
import dev.beacon.core.outbox.PushIntent;
import dev.beacon.core.store.Ids;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code push:*} and the drop-in {@code pushSubscriptions:create}: a user registers, lists and
 * removes its own devices (the backend names any user), the backend sends a push, and anyone may
 * read an app's VAPID public key to subscribe a browser.
 */
public final class PushFunctions implements FunctionModule {

  /** Devices a user keeps; registering one more removes the oldest. */
  public static final int MAX_DEVICES_PER_USER = 20;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern APNS_TOKEN = Pattern.compile("[0-9A-Fa-f]{16,200}");
  private static final Pattern FCM_TOKEN = Pattern.compile("[A-Za-z0-9_:.\\-]{16,4096}");
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_\\-]+={0,2}");

  private final PushStore store;
  private final PushPolicy policy;
  private final Changes changes;
  private final Ids ids;

  public PushFunctions(PushStore store, PushPolicy policy, Changes changes, Ids ids) {
    this.store = store;
    this.policy = policy;
    this.changes = changes;
    this.ids = ids;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("push:register", Access.USER, Map.of(
            "kind", Validator.literal("web", "apns", "fcm"),
            "subscription", Validator.optional(Validator.any(8 * 1024)),
            "token", Validator.optional(Validator.string(4096)),
            "userId", Validator.optional(Validator.userId())), true, this::register),
        FunctionDefinition.mutation("pushSubscriptions:create", Access.USER, Map.of(
            "subscription", Validator.string(8 * 1024),
            "userId", Validator.optional(Validator.userId())), true, this::createSubscription),
        FunctionDefinition.mutation("push:unregister", Access.USER, Map.of(
            "deviceId", Validator.optional(Validator.string(64)),
            "endpoint", Validator.optional(Validator.string(2048)),
            "token", Validator.optional(Validator.string(4096)),
            "userId", Validator.optional(Validator.userId())), true, this::unregister),
        FunctionDefinition.query("push:listMine", Access.USER, Map.of(
            "userId", Validator.optional(Validator.userId())), true, this::listMine),
        FunctionDefinition.mutation("push:send", Access.BACKEND, Map.of(
            "userId", Validator.userId(),
            "title", Validator.string(500),
            "body", Validator.optional(Validator.text(5000)),
            "data", Validator.optional(Validator.any(4 * 1024)),
            "url", Validator.optional(Validator.string(2048))), true, this::send),
        FunctionDefinition.query("push:getVapidPublicKey", Access.PUBLIC, Map.of(), false,
            this::vapidPublicKey));
  }

  private JsonNode register(Call call) {
    String user = call.actingUser();
    DeviceKind kind = DeviceKind.parse(call.args().string("kind")).orElseThrow();
    requireConfigured(call.app(), kind);
    Device device;
    if (kind == DeviceKind.WEB) {
      JsonNode sub = call.args().optValue("subscription").orElseThrow(() ->
          new ArgumentValidationException("push:register with kind \"web\" needs `subscription`: "
              + "{endpoint, keys: {p256dh, auth}} as PushSubscription.toJSON() gives it"));
      device = webDevice(call, user, sub);
    } else {
      String token = call.args().optString("token").orElseThrow(() ->
          new ArgumentValidationException("push:register with kind \"" + kind.wireName()
              + "\" needs `token`"));
      Pattern shape = kind == DeviceKind.APNS ? APNS_TOKEN : FCM_TOKEN;
      if (!shape.matcher(token).matches()) {
        throw new ArgumentValidationException("`token` is not " + (kind == DeviceKind.APNS
            ? "an APNs device token (hexadecimal)" : "an FCM registration token"));
      }
      device = new Device(ids.next(call.now()), user, kind, token, "", "", call.now());
    }
    return stored(call, store.register(call.appId(), device, MAX_DEVICES_PER_USER));
  }

  private JsonNode createSubscription(Call call) {
    String user = call.actingUser();
    requireConfigured(call.app(), DeviceKind.WEB);
    JsonNode sub;
    try {
      sub = Json.parse(call.args().string("subscription"));
    } catch (RuntimeException e) {
      throw new ArgumentValidationException("`subscription` must be the JSON text of a "
          + "PushSubscription (JSON.stringify(subscription))");
    }
    return stored(call, store.register(call.appId(), webDevice(call, user, sub),
        MAX_DEVICES_PER_USER));
  }

  private JsonNode stored(Call call, Device device) {
    changed(call, device.userId());
    return NODES.textNode(device.id());
  }

  private Device webDevice(Call call, String user, JsonNode sub) {
    String endpoint = sub.path("endpoint").asText("");
    String p256dh = sub.path("keys").path("p256dh").asText("");
    String auth = sub.path("keys").path("auth").asText("");
    checkEndpoint(endpoint, call.app().push());
    if (decodedLength(p256dh) != 65 || decode(p256dh)[0] != 4) {
      throw new ArgumentValidationException("`subscription.keys.p256dh` must be the base64url "
          + "uncompressed P-256 public key of the subscription (65 bytes)");
    }
    if (decodedLength(auth) != 16) {
      throw new ArgumentValidationException("`subscription.keys.auth` must be the base64url "
          + "16-byte auth secret of the subscription");
    }
    return new Device(ids.next(call.now()), user, DeviceKind.WEB, endpoint, p256dh, auth, call.now());
  }

  /** A push service URL: https, or http on a loopback address where development mode allows. */
  static void checkEndpoint(String endpoint, PushSettings settings) {
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (java.net.URISyntaxException e) {
      throw new ArgumentValidationException("`subscription.endpoint` is not a URL: " + e.getMessage());
    }
    if (endpoint.length() > 2048 || uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw new ArgumentValidationException("`subscription.endpoint` must be an https:// URL of "
          + "a push service (at most 2048 characters)");
    }
    if ("https".equals(uri.getScheme())) {
      return;
    }
    if ("http".equals(uri.getScheme()) && settings.insecureLoopback() && loopback(uri.getHost())) {
      return;
    }
    throw new ArgumentValidationException("`subscription.endpoint` must be https:// (plain http:// "
        + "is accepted only for loopback addresses in development mode), got '" + endpoint + "'");
  }

  private static boolean loopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  private static int decodedLength(String base64url) {
    if (base64url.isEmpty() || base64url.length() > 200 || !BASE64URL.matcher(base64url).matches()) {
      return -1;
    }
    return decode(base64url).length;
  }

  private static byte[] decode(String base64url) {
    return Base64.getUrlDecoder().decode(base64url.replace("=", ""));
  }

  private static void requireConfigured(App app, DeviceKind kind) {
    PushSettings push = app.push();
    boolean configured = switch (kind) {
      case WEB -> push.web().isPresent();
      case APNS -> push.apns().isPresent();
      case FCM -> push.fcm().isPresent();
    };
    if (!configured) {
      throw FunctionException.unsupported("push service '" + kind.wireName()
          + "' is not configured for app '" + app.id() + "' (see push." + kind.wireName()
          + " in docs/PUSH.md)");
    }
  }

  private JsonNode unregister(Call call) {
    String user = call.actingUser();
    Optional<String> which = call.args().optString("deviceId")
        .or(() -> call.args().optString("endpoint")).or(() -> call.args().optString("token"));
    if (which.isEmpty()) {
      throw new ArgumentValidationException("push:unregister needs `deviceId`, `endpoint` or `token`");
    }
    boolean removed = store.unregister(call.appId(), user, which.get());
    if (removed) {
      changed(call, user);
    }
    return NODES.booleanNode(removed);
  }

  private JsonNode listMine(Call call) {
    String user = call.actingUser();
    call.read("pushDevices", user);
    ArrayNode out = NODES.arrayNode();
    store.devices(call.appId(), user).forEach(d -> out.add(d.toJson()));
    return out;
  }

  private JsonNode send(Call call) {
    String user = call.actingUser();
    if (!call.app().push().enabled()) {
      throw FunctionException.unsupported("no push service is configured for app '"
          + call.appId() + "' (see docs/PUSH.md)");
    }
    String messageId = ids.next(call.now());
    PushContent content = new PushContent(call.args().string("title"),
        call.args().optString("body").orElse(""),
        call.args().optValue("data").map(ConvexValues::toJsonText).orElse("null"),
        call.args().optString("url").orElse(""));
    Optional<PushIntent> intent = policy.explicit(call.app(), user, messageId, content, call.now());
    int devices = 0;
    if (intent.isPresent()) {
      devices = store.enqueue(call.appId(), intent.get(), call.requestKey());
      if (devices > 0) {
        policy.stored(call.app());
      }
    }
    return NODES.objectNode().put("messageId", messageId).put("devices", devices)
        .put("rateLimited", intent.isEmpty());
  }

  private JsonNode vapidPublicKey(Call call) {
    return call.app().push().web().<JsonNode>map(w -> NODES.textNode(w.publicKey()))
        .orElse(NODES.nullNode());
  }

  private void changed(Call call, String user) {
    changes.changed(List.of(DependencyKey.of(call.appId(), "pushDevices", user)));
  }
}
