package dev.beacon.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class BasicAuthGuardTest {

  private final BasicAuthGuard guard = new BasicAuthGuard("ops", "correct horse");

  private static String basic(String credentials) {
    return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void onlyTheConfiguredUserAndPasswordPass() {
    assertThat(guard.authorized(basic("ops:correct horse"))).isTrue();
    assertThat(guard.authorized("basic " + basic("ops:correct horse").substring(6))).isTrue();
    assertThat(guard.authorized(basic("ops:wrong"))).isFalse();
    assertThat(guard.authorized(basic("other:correct horse"))).isFalse();
    assertThat(guard.authorized("Bearer abc")).isFalse();
    assertThat(guard.authorized("Basic %%%")).isFalse();
    assertThat(guard.authorized(null)).isFalse();
  }
}
