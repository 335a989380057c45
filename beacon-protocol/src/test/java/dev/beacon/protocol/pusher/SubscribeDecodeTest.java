package dev.beacon.protocol.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code pusher:subscribe} is read by a streaming parse ({@link PusherCodec#subscribe}) when it has
 * the common form; every other text is left to the tree decode. Either way {@link
 * PusherCodec#decode} answers what the tree decode answers.
 */
class SubscribeDecodeTest {

  @Test
  void theCommonFormsAreReadByTheStreamingParseAsTheTreeReadsThem() {
    List<String> texts = List.of(
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"k:abc\",\"channel\":\"private-a\"}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":\"k:s\",\"channel_data\":"
            + "\"{\\\"user_id\\\":\\\"1\\\",\\\"user_info\\\":{\\\"n\\\":\\\"\u00e9\\\"}}\","
            + "\"channel\":\"presence-room\"}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"private-\\u0041\",\"auth\":null,"
            + "\"channel_data\":null}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"c\",\"extra\":{\"a\":[1,{\"b\":2}]}},"
            + "\"channel\":\"ignored\",\"more\":[true]}",
        "{\"event\":\"pusher:subscribe\" , \"data\" : { \"channel\" : \"spaced\" } }\n");
    for (String text : texts) {
      ClientMessage.Subscribe fast = PusherCodec.subscribe(text);
      assertThat(fast).as(text).isNotNull();
      assertThat(fast).as(text).isEqualTo(PusherCodec.decodeTree(text));
      assertThat(PusherCodec.decode(text)).as(text).isEqualTo(fast);
    }
    assertThat(PusherCodec.subscribe(texts.get(2)).channelData())
        .contains("{\"user_id\":\"1\",\"user_info\":{\"n\":\"\u00e9\"}}");
    assertThat(PusherCodec.subscribe(texts.get(3)))
        .isEqualTo(new ClientMessage.Subscribe("private-A", Optional.empty(), Optional.empty()));
  }

  @Test
  void everythingElseIsLeftToTheTreeDecodeWhichAnswersAsBefore() {
    List<String> texts = List.of(
        "{\"event\":\"pusher:subscribe\",\"data\":\"{\\\"channel\\\":\\\"news\\\"}\"}",
        "{\"event\":\"pusher:subscribe\",\"data\":{}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":7}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"auth\":5}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"channel_data\":{\"user_id\":1}}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"channel\":\"b\"}}",
        "{\"event\":\"pusher:subscribe\",\"event\":\"pusher:ping\",\"data\":{\"channel\":\"a\"}}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\"}} trailing",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\"}",
        "{\"event\":\"pusher:subscribe\"}",
        "{\"event\":\"pusher:subscribe\",\"data\":[1]}",
        "{\"event\":\"pusher:subscribe\",\"data\":null}",
        "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"a\",\"x\":" + "[".repeat(80)
            + "]".repeat(80) + "}}",
        "{\"event\":\"pusher:subscribed\",\"data\":{\"channel\":\"a\"}}");
    for (String text : texts) {
      assertThat(PusherCodec.subscribe(text)).as(text).isNull();
      assertSameAnswer(text);
    }
  }

  private static void assertSameAnswer(String text) {
    Object tree;
    try {
      tree = PusherCodec.decodeTree(text);
    } catch (PusherProtocolException e) {
      tree = e;
    }
    Object decoded;
    try {
      decoded = PusherCodec.decode(text);
    } catch (PusherProtocolException e) {
      decoded = e;
    }
    if (tree instanceof PusherProtocolException expected) {
      Throwable thrown = catchThrowable(() -> PusherCodec.decode(text));
      assertThat(thrown).as(text).isInstanceOf(PusherProtocolException.class)
          .hasMessage(expected.getMessage());
    } else {
      assertThat(decoded).as(text).isEqualTo(tree);
    }
  }
}
