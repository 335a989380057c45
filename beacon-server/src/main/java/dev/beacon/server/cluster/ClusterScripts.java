package dev.beacon.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that change the cluster's registries atomically (resources under {@code
 * cluster/}): each is the shared prelude followed by its own body, sent by SHA-1 and loaded by
 * text when Redis does not know it (after a restart).
 */
record ClusterScripts(Script join, Script leave, Script count, Script settle, Script occupied,
    Script user, Script webhooks, Script roster,
    Script signIn, Script cache, Script limit, Script roomData, Script typing,
    Script typists, Script stream) {

  record Script(String name, String text, String sha) {}

  static ClusterScripts load() {
    String prelude = read("prelude");
    return new ClusterScripts(script(prelude, "join"), script(prelude, "leave"),
        script(prelude, "count"), script(prelude, "settle"), script(prelude, "occupied"),
        script(prelude, "user"), script(prelude, "wh"),
        script(prelude, "roster"), script(prelude, "signin"),
        script(prelude, "cache"), script(prelude, "limit"), script(prelude, "roomdata"),
        script(prelude, "typing"), script(prelude, "typists"), script(prelude, "stream"));
  }

  private static Script script(String prelude, String name) {
    String text = prelude + "\n" + read(name);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return new Script(name, text, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
  }

  private static String read(String name) {
    try (InputStream in = ClusterScripts.class.getResourceAsStream("/cluster/" + name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing resource cluster/" + name + ".lua");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
