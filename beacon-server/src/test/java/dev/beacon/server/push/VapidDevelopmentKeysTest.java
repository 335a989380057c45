package dev.beacon.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.core.app.PushSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Development mode's VAPID key pair: made on first start, kept in the data folder readable by
 * its owner only, and the same pair on every later start (browsers' subscriptions are bound to
 * it); one pair per app.
 */
class VapidDevelopmentKeysTest {

  @TempDir
  Path data;

  @Test
  void theKeyPairIsMadeOnceAndKeptInTheDataFolder() throws Exception {
    PushSettings.Web first = Vapid.developmentKeys(data, "app-id");
    Path file = data.resolve("push").resolve("vapid-app-id.json");
    assertThat(file).isRegularFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    // a valid pair (the constructor checks that the private key signs for the public one)
    assertThat(new Vapid(first).publicKey()).isEqualTo(first.publicKey());
    assertThat(EcKeys.fromBase64url(first.publicKey())).hasSize(65);

    PushSettings.Web again = Vapid.developmentKeys(data, "app-id");
    assertThat(again).isEqualTo(first);
    PushSettings.Web other = Vapid.developmentKeys(data, "other-app");
    assertThat(other.publicKey()).isNotEqualTo(first.publicKey());
  }
}
