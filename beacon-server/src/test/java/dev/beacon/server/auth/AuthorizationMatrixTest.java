package dev.beacon.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.app.AuthSettings;
import dev.beacon.core.app.FunctionSettings;
import dev.beacon.core.builtins.BuiltInFunctions;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.Changes;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.hub.ChannelHub;
import dev.beacon.core.hub.ClusterBus;
import dev.beacon.core.hub.ManualLanes;
import dev.beacon.core.metrics.BeaconMetrics;
import dev.beacon.core.social.LiveEvents;
import dev.beacon.core.time.ExpiryScheduler;
import dev.beacon.core.time.ManualClock;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.store.Database;
import dev.beacon.server.store.DatabaseSettings;
import dev.beacon.server.store.JdbcStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every function, called through the credentials an HTTP request would carry: as the owner, as
 * another user, as a non-member of a closed room, without a token, with an expired, wrong-audience
 * or unsigned token, and as the app's backend.
 */
class AuthorizationMatrixTest {

  static final String SECRET = "matrix-secret-that-is-long-enough-32b";
  static ManualClock clock = new ManualClock(System.currentTimeMillis());
  static App app = App.builder("app-id", "app-key", "app-secret")
      .functions(new FunctionSettings(60, 5, 24, 90, false, 1000, 1000))
      .auth(new AuthSettings("admin-key", Optional.of(SECRET), Optional.empty(), Optional.empty(), "app-id"))
      .build();
  static Database db;
  static BuiltInFunctions builtIns;
  static Credentials credentials;

  @BeforeAll
  static void open() throws Exception {
    Apps apps = Apps.of(List.of(app));
    db = Database.open(DatabaseSettings.EMBEDDED, Files.createTempDirectory("beacon-matrix"));
    ManualLanes lanes = new ManualLanes(1, clock, 10_000);
    ChannelHub hub = new ChannelHub(lanes.lanes(), clock, BeaconMetrics.NONE, ClusterBus.LOCAL, 1000, 10);
    builtIns = new BuiltInFunctions(apps, new JdbcStores(db), hub, LiveEvents.NONE, Changes.NONE,
        new ExpiryScheduler(clock, 50), Runnable::run);
    credentials = new Credentials(apps, new TokenVerifier(apps, clock));
    call(Optional.of("Convex admin-key"), "rooms:setMembers", "{\"roomId\":\"r\",\"userIds\":[\"owner\"]}");
  }

  @AfterAll
  static void close() {
    db.close();
  }

  static String token(String sub, String aud, long expiresIn) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
        .subject(sub).audience(aud).expirationTime(new Date(clock.millis() + expiresIn)).build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** The outcome of a call: "ok" or the error code. */
  static String call(Optional<String> authorization, String path, String args) {
    try {
      Caller caller = credentials.caller(authorization);
      FunctionDefinition def = builtIns.functions().resolve(path, Optional.empty());
      builtIns.functions().invoke(def, caller, ConvexValues.fromJson(Json.parse(args)));
      return "ok";
    } catch (FunctionException e) {
      return e.code();
    }
  }

  @Test
  void everyFunctionAnswersEachKindOfCallerAsTheRulesSay() throws Exception {
    Map<String, Optional<String>> callers = new LinkedHashMap<>();
    callers.put("owner", Optional.of("Bearer " + token("owner", "app-id", 60_000)));
    callers.put("other", Optional.of("Bearer " + token("other", "app-id", 60_000)));
    callers.put("none", Optional.empty());
    callers.put("expired", Optional.of("Bearer " + token("owner", "app-id", -120_000)));
    callers.put("wrong-aud", Optional.of("Bearer " + token("owner", "elsewhere", 60_000)));
    callers.put("alg-none", Optional.of("Bearer " + new PlainJWT(new JWTClaimsSet.Builder()
        .subject("owner").audience("app-id").expirationTime(new Date(clock.millis() + 60_000)).build()).serialize()));
    callers.put("bad-admin", Optional.of("Convex not-the-key"));
    callers.put("admin", Optional.of("Convex admin-key"));

    String notification = Json.parse(callAdmin("notifications:pushNotification",
        "{\"userId\":\"owner\",\"type\":\"t\",\"title\":\"x\"}")).asText();

    // {function, args, expected outcome per caller in the order above}
    // "other" is a user who is not a member of closed room r and not a friend of the owner
    String[][] rows = {
        {"presence:heartbeat", "{}", "ok ok UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"presence:getMyPresence", "{}", "ok ok UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"presence:getUserPresence", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"presence:heartbeat", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"rooms:heartbeat", "{\"roomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"rooms:list", "{\"roomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"typing:startTyping", "{\"chatroomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"typing:getTypingInChatroom", "{\"chatroomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"readReceipts:markMessageRead", "{\"chatroomId\":\"r\",\"messageId\":\"m\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"readReceipts:getMessageReadReceipts", "{\"chatroomId\":\"r\",\"messageId\":\"m\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"notifications:getUnreadCount", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"notifications:markAsRead", "{\"notificationId\":\"" + notification + "\"}", "ok NOT_FOUND UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"notifications:pushNotification", "{\"userId\":\"owner\",\"type\":\"t\",\"title\":\"x\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friendActivity:recordActivity", "{\"type\":\"t\"}", "ok ok UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"friendActivity:getFriendActivityFeed", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"notifications:subscribeToNotifications", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"notifications:markAllAsRead", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"presence:getBatchPresence", "{\"userIds\":[\"owner\"]}", "ok ok UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"presence:getOnlineFriends", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"presence:updatePresence", "{\"userId\":\"owner\",\"status\":\"away\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"presence:setOffline", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"rooms:summary", "{\"roomIds\":[\"r\"]}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"rooms:listUser", "{\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        // leaving a room one is not in is a no-op, not an error: it reveals and changes nothing
        {"rooms:leave", "{\"roomId\":\"r\"}", "ok ok UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"typing:getTypingCount", "{\"chatroomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"typing:stopTyping", "{\"chatroomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"readReceipts:markChatroomRead", "{\"chatroomId\":\"r\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED INVALID_ARGUMENT"},
        {"readReceipts:hasUserReadMessage", "{\"chatroomId\":\"r\",\"messageId\":\"m\",\"userId\":\"owner\"}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friendActivity:hasNewActivity", "{\"userId\":\"owner\",\"since\":0}", "ok FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friends:set", "{\"userId\":\"owner\",\"friendIds\":[]}", "FORBIDDEN FORBIDDEN FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friends:remove", "{\"userId\":\"owner\",\"friendId\":\"x\"}", "FORBIDDEN FORBIDDEN FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friends:add", "{\"userId\":\"owner\",\"friendId\":\"x\"}", "FORBIDDEN FORBIDDEN FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
        {"friends:list", "{\"userId\":\"owner\"}", "FORBIDDEN FORBIDDEN FORBIDDEN UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED UNAUTHENTICATED ok"},
    };
    java.util.List<String> wrong = new java.util.ArrayList<>();
    for (String[] row : rows) {
      String[] expected = row[2].split(" ");
      int i = 0;
      for (Map.Entry<String, Optional<String>> caller : callers.entrySet()) {
        String got = call(caller.getValue(), row[0], row[1]);
        if (!got.equals(expected[i])) {
          wrong.add(row[0] + " " + row[1] + " as " + caller.getKey() + ": " + got + ", expected "
              + expected[i]);
        }
        i++;
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static String callAdmin(String path, String args) {
    Caller caller = credentials.caller(Optional.of("Convex admin-key"));
    FunctionDefinition def = builtIns.functions().resolve(path, Optional.empty());
    return Json.write(ConvexValues.toJson(builtIns.functions().invoke(def, caller,
        ConvexValues.fromJson(Json.parse(args))).value()));
  }
}
