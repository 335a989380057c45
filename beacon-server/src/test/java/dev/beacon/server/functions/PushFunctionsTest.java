package dev.beacon.server.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.PushSettings;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.core.push.PushStore;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.JdbcPushStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Device registration and the push outbox over a real store: who may register what, and which
 * calls queue a push for which devices, in the same transaction as their notification.
 */
abstract class PushFunctionsTest {

  static final String P256DH = Base64.getUrlEncoder().withoutPadding().encodeToString(point());
  static final String AUTH = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[16]);

  FunctionsTestBed bed;
  PushStore store;

  abstract Database.Kind kind();

  private static byte[] point() {
    byte[] p = new byte[65];
    p[0] = 4;
    return p;
  }

  @BeforeEach
  void open() throws Exception {
    PushSettings push = new PushSettings(PushSettings.When.OFFLINE, 3600, 1000,
        Optional.of(new PushSettings.Web("BPub", "priv", "mailto:ops@example.com")),
        Optional.of(new PushSettings.Apns("TEAM", "KEY", "key.p8", "com.example.app", false,
            Optional.empty(), Optional.empty())), Optional.empty(), false);
    bed = new FunctionsTestBed(kind(), App.builder("app-id", "app-key", "app-secret").push(push).build());
    store = new JdbcPushStore(bed.db);
  }

  @AfterEach
  void close() throws Exception {
    bed.close();
  }

  static String web(String endpoint) {
    return "{\"kind\":\"web\",\"subscription\":{\"endpoint\":\"" + endpoint
        + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\"" + P256DH + "\",\"auth\":\"" + AUTH + "\"}}}";
  }

  List<String> queuedDevices() {
    return store.claimDue(Long.MAX_VALUE - 1, 1000, Long.MAX_VALUE).stream()
        .map(e -> e.device().userId() + "/" + e.device().address()).sorted()
        .collect(Collectors.toList());
  }

  @Test
  void aUserRegistersListsAndRemovesOnlyItsOwnDevices() {
    String id = bed.call(bed.user("ann"), "push:register", web("https://push.example.com/a")).asText();
    bed.call(bed.user("ann"), "push:register", "{\"kind\":\"apns\",\"token\":\"" + "ab".repeat(32) + "\"}");
    JsonNode mine = bed.call(bed.user("ann"), "push:listMine", "{}");
    assertThat(mine).hasSize(2);
    assertThat(mine.get(0).get("_id").asText()).isEqualTo(id);
    assertThat(mine.get(0).get("endpoint").asText()).isEqualTo("https://push.example.com/a");
    assertThat(mine.get(1).get("token").asText()).isEqualTo("ab".repeat(32));

    assertThat(bed.failure(bed.user("bob"), "push:register",
        "{\"kind\":\"apns\",\"token\":\"abcdabcdabcdabcd\",\"userId\":\"ann\"}").code()).isEqualTo("FORBIDDEN");
    assertThat(bed.failure(bed.user("bob"), "push:listMine", "{\"userId\":\"ann\"}").code())
        .isEqualTo("FORBIDDEN");
    // bob cannot remove ann's device, even knowing its id
    assertThat(bed.call(bed.user("bob"), "push:unregister", "{\"deviceId\":\"" + id + "\"}").asBoolean()).isFalse();
    assertThat(bed.call(bed.user("ann"), "push:unregister", "{\"endpoint\":\"https://push.example.com/a\"}")
        .asBoolean()).isTrue();
    assertThat(bed.call(bed.admin(), "push:listMine", "{\"userId\":\"ann\"}")).hasSize(1);
  }

  @Test
  void theBackendRegistersForAnyUserAndTheDropInShapeTakesAJsonString() {
    String sub = web("https://push.example.com/b").replaceFirst("^\\{\"kind\":\"web\",\"subscription\":", "")
        .replaceFirst("}$", "");
    bed.call(bed.admin(), "pushSubscriptions:create", "{\"userId\":\"cat\",\"subscription\":"
        + dev.beacon.protocol.json.Json.quote(sub) + "}");
    assertThat(bed.call(bed.user("cat"), "push:listMine", "{}").get(0).get("endpoint").asText())
        .isEqualTo("https://push.example.com/b");
  }

  @Test
  void badSubscriptionsAndUnconfiguredServicesAreRefusedWithTheReason() {
    assertThat(bed.failure(bed.user("ann"), "push:register", web("http://push.example.com/a"))
        .getMessage()).contains("https://");
    // plain http on loopback only in development mode, which this app is not in
    assertThat(bed.failure(bed.user("ann"), "push:register", web("http://127.0.0.1:9/a"))
        .getMessage()).contains("development mode");
    assertThat(bed.failure(bed.user("ann"), "push:register",
        "{\"kind\":\"web\",\"subscription\":{\"endpoint\":\"https://x.example/a\",\"keys\":{\"p256dh\":\"AAAA\",\"auth\":\"" + AUTH + "\"}}}")
        .getMessage()).contains("p256dh");
    assertThat(bed.failure(bed.user("ann"), "push:register", "{\"kind\":\"apns\",\"token\":\"not hex!\"}")
        .getMessage()).contains("APNs");
    assertThat(bed.failure(bed.user("ann"), "push:register", "{\"kind\":\"fcm\",\"token\":\"abcdefghijklmnopqrstu\"}")
        .getMessage()).contains("'fcm' is not configured");
  }

  @Test
  void aConversationMessageQueuesAPushForEachOfflineMemberButItsAuthor() {
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/ann"));
    bed.call(bed.user("bob"), "push:register", web("https://push.example.com/bob"));
    bed.call(bed.user("carl"), "push:register", web("https://push.example.com/carl"));
    bed.call(bed.user("carl"), "presence:heartbeat", "{}");
    String c = bed.call(bed.user("ann"), "conversations:create",
        "{\"title\":\"Trip\",\"memberIds\":[\"bob\",\"carl\"]}").get("conversationId").asText();
    String args = "{\"conversationId\":\"" + c + "\",\"content\":\"see you at 8\",\"clientMessageId\":\"m1\"}";
    String id = bed.call(bed.user("ann"), "messages:send", args).get("_id").asText();
    bed.call(bed.user("ann"), "messages:send", args); // a retry: no second push

    List<OutboxEntry> due = store.claimDue(bed.clock.millis(), 100, bed.clock.millis() + 30_000);
    assertThat(due).extracting(e -> e.device().address())
        .containsExactly("https://push.example.com/bob"); // ann wrote it, carl is online
    assertThat(due.get(0).content().title()).isEqualTo("Trip · ann");
    assertThat(due.get(0).content().body()).isEqualTo("see you at 8");
    assertThat(due.get(0).content().dataJson()).contains("\"messageId\":\"" + id + "\"");
  }

  @Test
  void aNotificationForAnOfflineUserQueuesOnePushPerDeviceAndNoneForAnOnlineUser() {
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/ann-laptop"));
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/ann-phone"));
    bed.call(bed.user("bob"), "push:register", web("https://push.example.com/bob"));
    bed.call(bed.user("bob"), "presence:heartbeat", "{}");

    bed.call(bed.admin(), "notifications:pushNotification",
        "{\"userId\":\"ann\",\"type\":\"dm\",\"title\":\"Hi\",\"body\":\"from bob\",\"data\":{\"url\":\"/chat/1\"}}");
    bed.call(bed.admin(), "notifications:pushNotification",
        "{\"userId\":\"bob\",\"type\":\"dm\",\"title\":\"Hi\"}");

    List<OutboxEntry> due = store.claimDue(bed.clock.millis(), 100, bed.clock.millis() + 30_000);
    assertThat(due).extracting(e -> e.device().address()).containsExactlyInAnyOrder(
        "https://push.example.com/ann-laptop", "https://push.example.com/ann-phone");
    assertThat(due.get(0).content().title()).isEqualTo("Hi");
    assertThat(due.get(0).content().url()).isEqualTo("/chat/1");
    assertThat(due.get(0).expiresAt()).isEqualTo(bed.clock.millis() + 3_600_000);
    // claimed: no one else sends them meanwhile
    assertThat(store.claimDue(bed.clock.millis(), 100, bed.clock.millis() + 30_000)).isEmpty();
    assertThat(store.pending()).isEqualTo(2);
  }

  @Test
  void theOutboxSettlesDeliveriesRetriesAndDeadDevices() {
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/1"));
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/2"));
    JsonNode sent = bed.call(bed.admin(), "push:send", "{\"userId\":\"ann\",\"title\":\"T\"}");
    assertThat(sent.get("devices").asInt()).isEqualTo(2);
    long now = bed.clock.millis();
    List<OutboxEntry> due = new ArrayList<>(store.claimDue(now, 100, now + 30_000));
    due.sort((a, b) -> a.device().address().compareTo(b.device().address()));
    store.delivered(due.get(0));
    store.retryAt(due.get(1), now + 5_000);
    assertThat(store.nextDue(now)).contains(now + 5_000);
    assertThat(store.claimDue(now + 4_999, 100, now + 60_000)).isEmpty();
    OutboxEntry again = store.claimDue(now + 5_000, 100, now + 60_000).get(0);
    assertThat(again.attempts()).isEqualTo(1);
    store.removeDevice("app-id", again.device().id());
    assertThat(store.pending()).isZero();
    assertThat(bed.call(bed.user("ann"), "push:listMine", "{}")).hasSize(1);
  }

  @Test
  void aClaimThatLapsesMakesThePushDueAgainAndReleasingClaimsFreesThemAtOnce() {
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/1"));
    bed.call(bed.admin(), "push:send", "{\"userId\":\"ann\",\"title\":\"T\"}");
    long now = bed.clock.millis();
    assertThat(store.claimDue(now, 100, now + 30_000)).hasSize(1);
    assertThat(store.claimDue(now + 30_000, 100, now + 60_000)).hasSize(1);
    store.releaseClaims();
    assertThat(store.claimDue(now + 30_001, 100, now + 90_000)).hasSize(1);
  }

  @Test
  void aRetriedRequestQueuesItsPushOnce() {
    bed.call(bed.user("ann"), "push:register", web("https://push.example.com/1"));
    var def = bed.functions.resolve("notifications:pushNotification", Optional.empty());
    var args = dev.beacon.protocol.json.Json.parse("{\"userId\":\"ann\",\"type\":\"t\",\"title\":\"x\"}");
    bed.functions.invoke(def, bed.admin(), args, Optional.of("session-1/7"));
    bed.functions.invoke(def, bed.admin(), args, Optional.of("session-1/7"));
    assertThat(queuedDevices()).containsExactly("ann/https://push.example.com/1");
  }
}
