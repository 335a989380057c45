package dev.beacon.protocol.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PusherCodecTest {

  @Test
  void decodesPusherJsSubscribeToPresence() {
    ClientMessage m = PusherCodec.decode("{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"k:s\","
        + "\"channel_data\":\"{\\\"user_id\\\":\\\"1\\\"}\",\"channel\":\"presence-room\"}}");
    assertThat(m).isEqualTo(new ClientMessage.Subscribe(
        "presence-room", Optional.of("k:s"), Optional.of("{\"user_id\":\"1\"}")));
  }

  @Test
  void decodesSubscribeWhoseDataIsAString() {
    ClientMessage m = PusherCodec.decode(
        "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"news\\\"}\"}");
    assertThat(m).isEqualTo(new ClientMessage.Subscribe("news", Optional.empty(), Optional.empty()));
  }

  @Test
  void decodesJavaClientPingWithoutData() {
    assertThat(PusherCodec.decode("{\"event\": \"pusher:ping\"}"))
        .isEqualTo(new ClientMessage.Ping());
  }

  @Test
  void keepsClientEventDataAsItsJsonText() {
    ClientMessage m = PusherCodec.decode(
        "{\"event\":\"client-typing\",\"channel\":\"private-a\",\"data\":{\"who\":\"ann\",\"n\":1}}");
    assertThat(m).isEqualTo(
        new ClientMessage.ClientEvent("client-typing", "private-a", "{\"who\":\"ann\",\"n\":1}"));
    ClientMessage s = PusherCodec.decode(
        "{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":\"plain\"}");
    assertThat(((ClientMessage.ClientEvent) s).dataJson()).isEqualTo("\"plain\"");
  }

  @Test
  void unknownEventsAreReportedNotThrown() {
    assertThat(PusherCodec.decode("{\"event\":\"my-event\",\"data\":{}}"))
        .isEqualTo(new ClientMessage.Unknown("my-event"));
  }

  @Test
  void rejectsMalformedFrames() {
    assertThatThrownBy(() -> PusherCodec.decode("{not json"))
        .isInstanceOf(PusherProtocolException.class).hasMessageContaining("Invalid JSON");
    assertThatThrownBy(() -> PusherCodec.decode("[1,2]"))
        .isInstanceOf(PusherProtocolException.class);
    assertThatThrownBy(() -> PusherCodec.decode("{\"data\":{}}"))
        .isInstanceOf(PusherProtocolException.class).hasMessageContaining("event");
    assertThatThrownBy(() -> PusherCodec.decode("{\"event\":\"pusher:subscribe\",\"data\":{}}"))
        .isInstanceOf(PusherProtocolException.class).hasMessageContaining("channel");
    assertThatThrownBy(() -> PusherCodec.decode("{\"event\":\"client-a\",\"data\":{}}"))
        .isInstanceOf(PusherProtocolException.class).hasMessageContaining("channel");
    assertThatThrownBy(() -> PusherCodec.decode("{\"event\":\"a\"}{\"event\":\"b\"}"))
        .isInstanceOf(PusherProtocolException.class);
    assertThatThrownBy(() -> PusherCodec.decode("{\"event\":\"a\",\"event\":\"b\"}"))
        .isInstanceOf(PusherProtocolException.class);
  }

  @Test
  void encodesConnectionEstablishedWithDoubleEncodedData() {
    assertThat(PusherCodec.encodeToString(new ServerMessage.ConnectionEstablished("123.456", 120)))
        .isEqualTo("{\"event\":\"pusher:connection_established\","
            + "\"data\":\"{\\\"socket_id\\\":\\\"123.456\\\",\\\"activity_timeout\\\":120}\"}");
  }

  @Test
  void connectionEstablishedAndSubscriptionSucceededBytesAreTheGeneratorsWhateverTheNames() {
    // encode() writes these two directly; encodeToString() always goes through the generator
    for (String socketId : List.of("123.456", "9999999999.1", "1.2", "odd\"id", "é.1")) {
      for (int timeout : List.of(0, 1, 120, 86_400)) {
        ServerMessage m = new ServerMessage.ConnectionEstablished(socketId, timeout);
        assertThat(new String(PusherCodec.encode(m), java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo(PusherCodec.encodeToString(m));
      }
    }
    for (String channel : List.of("news", "private-a_b-c=d@e,f.g;h", "presence-room-1",
        "#server-to-user-42", "private-cache-x", "quote\"d", "back\\slash", "tab\tbed",
        "ünïcode", "slash/ed", "~tilde")) {
      ServerMessage m = new ServerMessage.SubscriptionSucceeded(channel);
      assertThat(new String(PusherCodec.encode(m), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(PusherCodec.encodeToString(m));
    }
  }

  @Test
  void encodesChannelEventWithDataVerbatim() {
    assertThat(PusherCodec.encodeToString(new ServerMessage.ChannelEvent(
            "my-channel", "my-event", "\"{\\\"hello\\\":\\\"world\\\"}\"", Optional.empty())))
        .isEqualTo("{\"event\":\"my-event\",\"channel\":\"my-channel\","
            + "\"data\":\"{\\\"hello\\\":\\\"world\\\"}\"}");
    assertThat(PusherCodec.encodeToString(new ServerMessage.ChannelEvent(
            "presence-a", "client-x", "{\"a\":1}", Optional.of("u1"))))
        .isEqualTo("{\"event\":\"client-x\",\"channel\":\"presence-a\",\"data\":{\"a\":1},"
            + "\"user_id\":\"u1\"}");
  }

  @Test
  void encodesPresenceSucceededWithIdsHashAndCount() {
    String text = PusherCodec.encodeToString(new ServerMessage.PresenceSubscriptionSucceeded(
        "presence-x", List.of(new ServerMessage.Member("1", "{\"name\":\"Ann\"}"),
            new ServerMessage.Member("2", "null"))));
    assertThat(text).isEqualTo("{\"event\":\"pusher_internal:subscription_succeeded\","
        + "\"channel\":\"presence-x\",\"data\":\"{\\\"presence\\\":{\\\"ids\\\":[\\\"1\\\",\\\"2\\\"],"
        + "\\\"hash\\\":{\\\"1\\\":{\\\"name\\\":\\\"Ann\\\"},\\\"2\\\":null},\\\"count\\\":2}}\"}");
  }

  @Test
  void encodesErrorsAsObjects() {
    assertThat(PusherCodec.encodeToString(
            new ServerMessage.Error(Optional.of(4301), "rate limited")))
        .isEqualTo("{\"event\":\"pusher:error\",\"data\":{\"code\":4301,\"message\":\"rate limited\"}}");
    assertThat(PusherCodec.encodeToString(new ServerMessage.SubscriptionError(
            "private-a", "AuthError", "Invalid signature", 401)))
        .isEqualTo("{\"event\":\"pusher:subscription_error\",\"channel\":\"private-a\","
            + "\"data\":{\"type\":\"AuthError\",\"error\":\"Invalid signature\",\"status\":401}}");
  }

  @Test
  void encodesMemberEventsWatchlistAndSignin() {
    assertThat(PusherCodec.encodeToString(new ServerMessage.MemberAdded(
            "presence-x", new ServerMessage.Member("7", "{\"n\":1}"))))
        .isEqualTo("{\"event\":\"pusher_internal:member_added\",\"channel\":\"presence-x\","
            + "\"data\":\"{\\\"user_id\\\":\\\"7\\\",\\\"user_info\\\":{\\\"n\\\":1}}\"}");
    assertThat(PusherCodec.encodeToString(new ServerMessage.MemberRemoved("presence-x", "7")))
        .isEqualTo("{\"event\":\"pusher_internal:member_removed\",\"channel\":\"presence-x\","
            + "\"data\":\"{\\\"user_id\\\":\\\"7\\\"}\"}");
    assertThat(PusherCodec.encodeToString(new ServerMessage.WatchlistEvents(
            List.of(new ServerMessage.WatchlistEvent("online", List.of("a", "b"))))))
        .isEqualTo("{\"event\":\"pusher_internal:watchlist_events\",\"data\":\"{\\\"events\\\":"
            + "[{\\\"name\\\":\\\"online\\\",\\\"user_ids\\\":[\\\"a\\\",\\\"b\\\"]}]}\"}");
    assertThat(PusherCodec.encodeToString(new ServerMessage.SigninSuccess("{\"id\":\"1\"}")))
        .isEqualTo("{\"event\":\"pusher:signin_success\","
            + "\"data\":{\"user_data\":\"{\\\"id\\\":\\\"1\\\"}\"}}");
  }
}
