package dev.beacon.bench.target;

import dev.beacon.bench.config.ScenarioConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JVM flags Beacon ships with, and those a benchmarked Beacon is started with.
 *
 * <p>The one source of the shipped flags is the distribution's launcher, {@code
 * beacon-dist/src/dist/bin/beacon} (its {@code DEFAULT_JAVA_OPTS}): the build copies that script
 * into this jar ({@link #RESOURCE}), and the flags are read from it, so a benchmark measures the
 * server as {@code bin/beacon} runs it (heap sizing, G1 and its heap-free ratios, which decide the
 * resident memory per connection and how often the young generation is collected).
 * {@code LauncherFlagsTest} runs the script itself with a stand-in {@code java} and checks that it
 * passes exactly these flags.
 *
 * <p>{@code --server-jvm-args} adds to them: a flag given there replaces the launcher's flag of the
 * same name (and a collector chosen there replaces G1), as {@code BEACON_JAVA_EXTRA_OPTS} would,
 * later flags winning. {@code --server-jvm-defaults=jdk} starts Beacon with the JVM's own defaults
 * and only {@code --server-jvm-args}, as the tool did before (and as {@code JAVA_OPTS=''} does).
 */
public final class LauncherFlags {

  /** Where the build puts a copy of {@code bin/beacon} in this jar. */
  public static final String RESOURCE = "/dev/beacon/bench/launcher/beacon";

  private static final String VARIABLE = "DEFAULT_JAVA_OPTS=\"";

  private static volatile List<String> shipped;

  private LauncherFlags() {}

  /** The flags {@code bin/beacon} starts the JVM with when {@code JAVA_OPTS} is not set. */
  public static List<String> shipped() {
    List<String> flags = shipped;
    if (flags == null) {
      try (InputStream in = LauncherFlags.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("no copy of bin/beacon at " + RESOURCE
              + " in beacon-bench's jar: build it with Maven");
        }
        flags = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      shipped = flags;
    }
    return flags;
  }

  /**
   * The words of the launcher's {@code DEFAULT_JAVA_OPTS="..."}: inside the double quotes a
   * backslash before a line break continues the line (as the shell reads it), and the value is
   * split at white space (the script expands it unquoted). It must hold no quotes, variables or
   * other escapes, which the shell would read differently.
   */
  static List<String> parse(String script) {
    int start = -1;
    int at = 0;
    // the assignment at the start of a line, not a mention in a comment
    while ((at = script.indexOf(VARIABLE, at)) >= 0) {
      if (at == 0 || script.charAt(at - 1) == '\n') {
        start = at + VARIABLE.length();
        break;
      }
      at += VARIABLE.length();
    }
    if (start < 0) {
      throw new IllegalStateException("bin/beacon has no line starting " + VARIABLE);
    }
    int end = script.indexOf('"', start);
    if (end < 0) {
      throw new IllegalStateException("bin/beacon's " + VARIABLE + " is not closed");
    }
    String value = script.substring(start, end).replace("\\\n", "");
    if (value.contains("\\") || value.contains("$") || value.contains("`") || value.contains("'")) {
      throw new IllegalStateException("bin/beacon's DEFAULT_JAVA_OPTS has characters this reader "
          + "does not interpret as the shell would: " + value);
    }
    List<String> words = new ArrayList<>();
    for (String w : value.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    if (words.isEmpty()) {
      throw new IllegalStateException("bin/beacon's DEFAULT_JAVA_OPTS is empty");
    }
    return List.copyOf(words);
  }

  /** The JVM arguments of a Beacon process the tool starts (before {@code -jar}). */
  public static List<String> forBeacon(ScenarioConfig config) {
    List<String> extra = words(config.serverJvmArgs());
    return switch (config.serverJvmDefaults()) {
      case LAUNCHER -> merge(shipped(), extra);
      case JDK -> extra;
    };
  }

  /** {@code --server-jvm-args} split at white space. */
  public static List<String> words(String args) {
    List<String> out = new ArrayList<>();
    for (String arg : args.trim().split("\\s+")) {
      if (!arg.isEmpty()) {
        out.add(arg);
      }
    }
    return out;
  }

  /**
   * {@code base} with {@code extra} after it, less the flags of {@code base} that one of {@code
   * extra} sets again (the same {@code -XX} option, system property or {@code -X} size), and less
   * its collector when {@code extra} chooses one (the JVM refuses two).
   */
  static List<String> merge(List<String> base, List<String> extra) {
    Map<String, String> overridden = new LinkedHashMap<>();
    boolean collector = false;
    for (String e : extra) {
      overridden.put(name(e), e);
      collector |= isCollector(e);
    }
    List<String> out = new ArrayList<>();
    for (String b : base) {
      if (overridden.containsKey(name(b)) || (collector && isCollector(b))) {
        continue;
      }
      out.add(b);
    }
    out.addAll(extra);
    return out;
  }

  private static boolean isCollector(String flag) {
    return flag.startsWith("-XX:+Use") && flag.endsWith("GC");
  }

  /** What a flag sets: {@code -XX:+Name}, {@code -XX:-Name} and {@code -XX:Name=v} set Name. */
  static String name(String flag) {
    if (flag.startsWith("-XX:")) {
      String rest = flag.substring(4);
      if (rest.startsWith("+") || rest.startsWith("-")) {
        rest = rest.substring(1);
      }
      int eq = rest.indexOf('=');
      return "-XX:" + (eq < 0 ? rest : rest.substring(0, eq));
    }
    if (flag.startsWith("-D")) {
      int eq = flag.indexOf('=');
      return eq < 0 ? flag : flag.substring(0, eq);
    }
    for (String size : List.of("-Xmx", "-Xms", "-Xmn", "-Xss")) {
      if (flag.startsWith(size)) {
        return size;
      }
    }
    return flag;
  }
}
