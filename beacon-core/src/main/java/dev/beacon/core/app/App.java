package dev.beacon.core.app;

import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One tenant of the server, like a Pusher app: its credentials, switches and limits. All data is
 * scoped to one app; nothing crosses apps.
 *
 * @param maxConnections 0 for no limit
 * @param encryptionMasterKeyBase64 the 32-byte key that derives {@code private-encrypted-}
 *     channel secrets, when the development auth endpoint should issue them
 */
public record App(
    String id,
    String key,
    String secret,
    boolean enabled,
    boolean clientEvents,
    boolean userAuthenticationRequired,
    int signinTimeoutSeconds,
    int maxConnections,
    int maxPresenceMembers,
    int maxSubscriptionsPerConnection,
    int maxPayloadBytes,
    int maxEventNameLength,
    int maxUserInfoBytes,
    int clientEventsPerSecond,
    int maxChannelsPerEvent,
    int maxBatchEvents,
    boolean subscriptionCountEvents,
    boolean watchlistEvents,
    Optional<String> encryptionMasterKeyBase64,
    FunctionSettings functions,
    AuthSettings auth,
    PushSettings push,
    WebhookSettings webhooks,
    MessageSettings messages) {

  private static final Pattern KEY_CHARS = Pattern.compile("[A-Za-z0-9_.\\-]{1,100}");

  public App {
    require("id", id, KEY_CHARS.matcher(nullToEmpty(id)).matches(), "1-100 of [A-Za-z0-9_.-]");
    require("key", key, KEY_CHARS.matcher(nullToEmpty(key)).matches(), "1-100 of [A-Za-z0-9_.-]");
    require("secret", "<hidden>", secret != null && !secret.isEmpty(), "non-empty");
    require("signin_timeout", signinTimeoutSeconds, signinTimeoutSeconds > 0, "> 0 seconds");
    require("max_connections", maxConnections, maxConnections >= 0, ">= 0 (0 = no limit)");
    require("max_presence_members", maxPresenceMembers, maxPresenceMembers > 0, "> 0");
    require("max_subscriptions_per_connection", maxSubscriptionsPerConnection,
        maxSubscriptionsPerConnection > 0, "> 0");
    require("max_payload_bytes", maxPayloadBytes, maxPayloadBytes > 0, "> 0");
    require("max_event_name_length", maxEventNameLength, maxEventNameLength > 0, "> 0");
    require("max_user_info_bytes", maxUserInfoBytes, maxUserInfoBytes > 0, "> 0");
    require("client_events_per_second", clientEventsPerSecond, clientEventsPerSecond > 0, "> 0");
    require("max_channels_per_event", maxChannelsPerEvent, maxChannelsPerEvent > 0, "> 0");
    require("max_batch_events", maxBatchEvents, maxBatchEvents > 0, "> 0");
    encryptionMasterKeyBase64 = encryptionMasterKeyBase64 == null
        ? Optional.empty() : encryptionMasterKeyBase64;
    messages = messages == null ? MessageSettings.DEFAULT : messages;
    if (functions == null || auth == null) {
      throw new IllegalArgumentException("app '" + id + "': functions and auth settings are required");
    }
    push = push == null ? PushSettings.NONE : push;
    webhooks = webhooks == null ? WebhookSettings.NONE : webhooks;
    encryptionMasterKeyBase64.ifPresent(k -> {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(k);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "app '" + id + "': encryption_master_key_base64 is not valid base64");
      }
      if (decoded.length != 32) {
        throw new IllegalArgumentException("app '" + id
            + "': encryption_master_key_base64 must decode to 32 bytes, not " + decoded.length);
      }
    });
  }

  /** The decoded encryption master key. */
  public Optional<byte[]> encryptionMasterKey() {
    return encryptionMasterKeyBase64.map(k -> Base64.getDecoder().decode(k));
  }

  public static Builder builder(String id, String key, String secret) {
    return new Builder(id, key, secret);
  }

  /** A builder starting from this app's settings. */
  public Builder toBuilder() {
    Builder b = new Builder(id, key, secret);
    b.enabled = enabled;
    b.clientEvents = clientEvents;
    b.userAuthenticationRequired = userAuthenticationRequired;
    b.signinTimeoutSeconds = signinTimeoutSeconds;
    b.maxConnections = maxConnections;
    b.maxPresenceMembers = maxPresenceMembers;
    b.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection;
    b.maxPayloadBytes = maxPayloadBytes;
    b.maxEventNameLength = maxEventNameLength;
    b.maxUserInfoBytes = maxUserInfoBytes;
    b.clientEventsPerSecond = clientEventsPerSecond;
    b.maxChannelsPerEvent = maxChannelsPerEvent;
    b.maxBatchEvents = maxBatchEvents;
    b.subscriptionCountEvents = subscriptionCountEvents;
    b.watchlistEvents = watchlistEvents;
    b.encryptionMasterKeyBase64 = encryptionMasterKeyBase64.orElse(null);
    b.functions = functions;
    b.auth = auth;
    b.push = push;
    b.webhooks = webhooks;
    b.messages = messages;
    return b;
  }

  private static void require(String field, Object value, boolean ok, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("app " + field + " must be " + rule + ", got '" + value + "'");
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /** Builds an {@link App} with Pusher's defaults for everything not set. */
  public static final class Builder {
    private final String id;
    private final String key;
    private final String secret;
    private boolean enabled = true;
    private boolean clientEvents = true;
    private boolean userAuthenticationRequired = false;
    private int signinTimeoutSeconds = 30;
    private int maxConnections = 0;
    private int maxPresenceMembers = 100;
    private int maxSubscriptionsPerConnection = 1000;
    private int maxPayloadBytes = 10 * 1024;
    private int maxEventNameLength = 200;
    private int maxUserInfoBytes = 1024;
    private int clientEventsPerSecond = 10;
    private int maxChannelsPerEvent = 100;
    private int maxBatchEvents = 10;
    private boolean subscriptionCountEvents = false;
    private boolean watchlistEvents = true;
    private String encryptionMasterKeyBase64;
    private FunctionSettings functions = FunctionSettings.DEFAULT;
    private AuthSettings auth;
    private PushSettings push = PushSettings.NONE;
    private WebhookSettings webhooks = WebhookSettings.NONE;
    private MessageSettings messages = MessageSettings.DEFAULT;

    private Builder(String id, String key, String secret) {
      this.id = id;
      this.key = key;
      this.secret = secret;
    }

    public Builder functions(FunctionSettings v) { functions = v; return this; }
    public Builder auth(AuthSettings v) { auth = v; return this; }
    public Builder push(PushSettings v) { push = v; return this; }
    public Builder webhooks(WebhookSettings v) { webhooks = v; return this; }
    public Builder messages(MessageSettings v) { messages = v; return this; }

    public Builder enabled(boolean v) { enabled = v; return this; }
    public Builder clientEvents(boolean v) { clientEvents = v; return this; }
    public Builder userAuthenticationRequired(boolean v) { userAuthenticationRequired = v; return this; }
    public Builder signinTimeoutSeconds(int v) { signinTimeoutSeconds = v; return this; }
    public Builder maxConnections(int v) { maxConnections = v; return this; }
    public Builder maxPresenceMembers(int v) { maxPresenceMembers = v; return this; }
    public Builder maxSubscriptionsPerConnection(int v) { maxSubscriptionsPerConnection = v; return this; }
    public Builder maxPayloadBytes(int v) { maxPayloadBytes = v; return this; }
    public Builder maxEventNameLength(int v) { maxEventNameLength = v; return this; }
    public Builder maxUserInfoBytes(int v) { maxUserInfoBytes = v; return this; }
    public Builder clientEventsPerSecond(int v) { clientEventsPerSecond = v; return this; }
    public Builder maxChannelsPerEvent(int v) { maxChannelsPerEvent = v; return this; }
    public Builder maxBatchEvents(int v) { maxBatchEvents = v; return this; }
    public Builder subscriptionCountEvents(boolean v) { subscriptionCountEvents = v; return this; }
    public Builder watchlistEvents(boolean v) { watchlistEvents = v; return this; }
    public Builder encryptionMasterKeyBase64(String v) { encryptionMasterKeyBase64 = v; return this; }

    /** Without auth settings an app's admin key is its secret and it accepts no end-user tokens. */
    private AuthSettings defaultAuth() {
      return new AuthSettings(secret == null || secret.isEmpty() ? "-" : secret, Optional.empty(),
          Optional.empty(), Optional.empty(), id == null || id.isEmpty() ? "beacon" : id);
    }

    public App build() {
      return new App(id, key, secret, enabled, clientEvents, userAuthenticationRequired,
          signinTimeoutSeconds, maxConnections, maxPresenceMembers, maxSubscriptionsPerConnection, maxPayloadBytes,
          maxEventNameLength, maxUserInfoBytes, clientEventsPerSecond, maxChannelsPerEvent,
          maxBatchEvents, subscriptionCountEvents, watchlistEvents,
          Optional.ofNullable(encryptionMasterKeyBase64), functions,
          auth != null ? auth : defaultAuth(), push, webhooks, messages);
    }
  }
}
