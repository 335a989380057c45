package dev.beacon.core.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The framework's arrow points one way: features register with it ({@link FunctionModule}); it
 * names none of them (STYLE: "the framework knows no feature").
 */
class FrameworkKnowsNoFeatureTest {

  static final Pattern FEATURE = Pattern.compile(
      "dev\\.beacon\\.core\\.(presence|rooms|typing|notifications|receipts|activity|social|shapes"
          + "|builtins|conversations|messages|push)\\b");

  @Test
  void noFrameworkSourceMentionsAFeaturePackage() throws IOException {
    Path dir = Path.of("src/main/java/dev/beacon/core/functions");
    assertThat(dir).isDirectory();
    try (Stream<Path> files = Files.list(dir)) {
      List<String> offenders = files.filter(f -> {
        try {
          return FEATURE.matcher(Files.readString(f)).find();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).map(f -> f.getFileName().toString()).toList();
      assertThat(offenders).isEmpty();
    }
  }
}
