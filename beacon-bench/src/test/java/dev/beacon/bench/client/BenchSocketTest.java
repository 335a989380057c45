package dev.beacon.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchSocketTest {

  /**
   * A socket whose opening thread has not yet called attach() when the server's
   * connection_established arrives (the opening thread descheduled on a loaded machine) still
   * sends the subscribe its listener asks for: it knows its channel from its pipeline.
   */
  @Test
  void subscribesFromTheEstablishedCallbackBeforeAttachIsCalled() {
    long droppedBefore = BenchSocket.dropped();
    BenchSocket socket = new BenchSocket(0, WireProtocol.PUSHER, new SocketListener() {
      @Override
      public void established(BenchSocket s) {
        s.subscribe("bench");
      }
    });
    EmbeddedChannel channel = new EmbeddedChannel(socket);
    channel.writeInbound(new TextWebSocketFrame("{\"event\":\"pusher:connection_established\","
        + "\"data\":\"{\\\"socket_id\\\":\\\"1.2\\\",\\\"activity_timeout\\\":120}\"}"));
    WebSocketFrame sent = channel.readOutbound();
    assertThat(sent).isNotNull();
    assertThat(sent.content().toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"bench\"}}");
    sent.release();
    assertThat(socket.socketId()).isEqualTo("1.2");
    assertThat(BenchSocket.dropped()).isEqualTo(droppedBefore);
    channel.finishAndReleaseAll();
  }
}
