package dev.beacon.server.it;

import dev.beacon.server.BeaconServer;
import dev.beacon.server.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The pusher-java-client and pusher-http-java suite ({@link PusherJavaClientSuite}) on one server. */
class PusherJavaClientTest extends PusherJavaClientSuite {

  private static BeaconServer server;

  @BeforeAll
  static void start() {
    server = TestServers.start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Override
  protected int clientPort(int index) {
    return server.port();
  }

  @Override
  protected int apiPort() {
    return server.port();
  }
}
