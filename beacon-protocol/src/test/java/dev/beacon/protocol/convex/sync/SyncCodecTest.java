package dev.beacon.protocol.convex.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyncCodecTest {

  @Test
  void decodesTheMessagesTheConvexClientSends() {
    assertThat(SyncCodec.decode("{\"type\":\"Connect\",\"sessionId\":\"s-1\",\"connectionCount\":2,"
        + "\"lastCloseReason\":\"InitialConnect\",\"maxObservedTimestamp\":\"AQAAAAAAAAA=\",\"clientTs\":1}"))
        .isEqualTo(new SyncClientMessage.Connect("s-1", 2, Optional.of("InitialConnect"), Optional.of(1L)));
    SyncClientMessage.ModifyQuerySet m = (SyncClientMessage.ModifyQuerySet) SyncCodec.decode(
        "{\"type\":\"ModifyQuerySet\",\"baseVersion\":0,\"newVersion\":1,\"modifications\":["
            + "{\"type\":\"Add\",\"queryId\":0,\"udfPath\":\"typing:getTypingCount\",\"args\":[{\"chatroomId\":\"r\"}]},"
            + "{\"type\":\"Remove\",\"queryId\":3}]}");
    assertThat(m.newVersion()).isEqualTo(1);
    assertThat(m.modifications()).hasSize(2);
    assertThat(((SyncClientMessage.Add) m.modifications().get(0)).args().get("chatroomId").asText()).isEqualTo("r");
    SyncClientMessage.Authenticate a = (SyncClientMessage.Authenticate) SyncCodec.decode(
        "{\"type\":\"Authenticate\",\"tokenType\":\"User\",\"value\":\"jwt\",\"baseVersion\":0}");
    assertThat(a.tokenType()).isEqualTo(SyncClientMessage.TokenType.USER);
    assertThat(a.value()).contains("jwt");
    assertThat(SyncCodec.decode("{\"type\":\"Mutation\",\"requestId\":4,\"udfPath\":\"a:b\",\"args\":[{}]}"))
        .isInstanceOf(SyncClientMessage.Mutation.class);
  }

  @Test
  void rejectsMalformedMessages() {
    assertThatThrownBy(() -> SyncCodec.decode("{\"type\":\"Nope\"}")).hasMessageContaining("Nope");
    assertThatThrownBy(() -> SyncCodec.decode("{\"type\":\"Mutation\",\"requestId\":1,\"udfPath\":\"a:b\",\"args\":{}}"))
        .hasMessageContaining("args");
    assertThatThrownBy(() -> SyncCodec.decode("{\"type\":\"ModifyQuerySet\",\"baseVersion\":-1,\"newVersion\":1,\"modifications\":[]}"))
        .hasMessageContaining("baseVersion");
  }

  @Test
  void encodesTransitionsWithBase64TimestampsAndLogLines() {
    String t = SyncCodec.encode(new SyncServerMessage.Transition(StateVersion.INITIAL,
        new StateVersion(1, 2, 0), List.of(
            new SyncServerMessage.QueryUpdated(0, JsonNodeFactory.instance.numberNode(3)),
            new SyncServerMessage.QueryFailed(1, "Forbidden", Optional.of(
                JsonNodeFactory.instance.objectNode().put("code", "FORBIDDEN"))),
            new SyncServerMessage.QueryRemoved(2))));
    assertThat(t).isEqualTo("{\"type\":\"Transition\","
        + "\"startVersion\":{\"querySet\":0,\"ts\":\"AAAAAAAAAAA=\",\"identity\":0},"
        + "\"endVersion\":{\"querySet\":1,\"ts\":\"AgAAAAAAAAA=\",\"identity\":0},\"modifications\":["
        + "{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":3,\"logLines\":[],\"journal\":null},"
        + "{\"type\":\"QueryFailed\",\"queryId\":1,\"errorMessage\":\"Forbidden\",\"logLines\":[],"
        + "\"errorData\":{\"code\":\"FORBIDDEN\"},\"journal\":null},"
        + "{\"type\":\"QueryRemoved\",\"queryId\":2}]}");
    assertThat(SyncCodec.encode(new SyncServerMessage.MutationSucceeded(7,
        JsonNodeFactory.instance.nullNode(), 1)))
        .isEqualTo("{\"type\":\"MutationResponse\",\"requestId\":7,\"success\":true,\"result\":null,"
            + "\"ts\":\"AQAAAAAAAAA=\",\"logLines\":[]}");
    assertThat(SyncCodec.encode(new SyncServerMessage.AuthError("expired", 0, true)))
        .isEqualTo("{\"type\":\"AuthError\",\"error\":\"expired\",\"baseVersion\":0,\"authUpdateAttempted\":true}");
  }
}
