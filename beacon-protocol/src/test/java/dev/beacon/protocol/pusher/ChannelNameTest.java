package dev.beacon.protocol.pusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChannelNameTest {

  @Test
  void prefixesDecideTheType() {
    assertThat(ChannelName.parse("news").type()).isEqualTo(ChannelType.PUBLIC);
    assertThat(ChannelName.parse("private-a").type()).isEqualTo(ChannelType.PRIVATE);
    assertThat(ChannelName.parse("private-encrypted-a").type())
        .isEqualTo(ChannelType.PRIVATE_ENCRYPTED);
    assertThat(ChannelName.parse("presence-a").type()).isEqualTo(ChannelType.PRESENCE);
    assertThat(ChannelName.parse("#server-to-user-42").serverToUserId()).contains("42");
  }

  @Test
  void cachePrefixesAreRecognisedForEveryType() {
    assertThat(ChannelName.parse("cache-a").cache()).isTrue();
    assertThat(ChannelName.parse("private-cache-a").cache()).isTrue();
    assertThat(ChannelName.parse("presence-cache-a").cache()).isTrue();
    assertThat(ChannelName.parse("private-encrypted-cache-a").cache()).isTrue();
    assertThat(ChannelName.parse("cachex").cache()).isFalse();
  }

  @Test
  void rejectsBadCharactersAndLength() {
    assertThatThrownBy(() -> ChannelName.parse("a b")).hasMessageContaining("' '");
    assertThatThrownBy(() -> ChannelName.parse("a/b")).hasMessageContaining("'/'");
    assertThatThrownBy(() -> ChannelName.parse("")).hasMessageContaining("empty");
    assertThat(ChannelName.parse("x".repeat(200)).value()).hasSize(200);
    assertThatThrownBy(() -> ChannelName.parse("x".repeat(201))).hasMessageContaining("201");
    assertThatThrownBy(() -> ChannelName.parse("#server-to-user-")).hasMessageContaining("user id");
    assertThatThrownBy(() -> ChannelName.parse("#server-to-user-a b")).hasMessageContaining("user id");
    assertThatThrownBy(() -> ChannelName.parse("#server-to-user-a\u0001")).hasMessageContaining("user id");
    assertThat(ChannelName.parse("#server-to-user-jane+doe@example.com").serverToUserId())
        .contains("jane+doe@example.com");
    assertThat(ChannelName.parse("#server-to-user-名前").serverToUserId()).contains("名前");
    for (String bad : new String[] {"a/b", "a?b", "a#b", "a%2Fb", "a\u200Bb", "a\u202Eb", "a\uD800b", "a\uDC00"}) {
      assertThatThrownBy(() -> ChannelName.parse("#server-to-user-" + bad)).as(bad)
          .hasMessageContaining("user id");
    }
    assertThat(ChannelName.parse("#server-to-user-\uD83D\uDE00").serverToUserId()).contains("\uD83D\uDE00");
    assertThatThrownBy(() -> ChannelName.parse("#other")).hasMessageContaining("'#'");
  }

  @Test
  void acceptsEveryAllowedPunctuation() {
    assertThat(ChannelName.parse("a_b-c=d@e,f.g;h").value()).isEqualTo("a_b-c=d@e,f.g;h");
  }
}
