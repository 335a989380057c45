package dev.beacon.bench.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live heap of a JVM: a full GC is forced ({@code jcmd <pid> GC.run}) and the used heap read
 * back ({@code jcmd <pid> GC.heap_info}). For this process it uses the management beans instead.
 */
public final class HeapProbe {

  private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private HeapProbe() {}

  /** The heap in use after a forced GC, in bytes; empty if jcmd is unavailable or failed. */
  public static OptionalLong liveHeapBytes(long pid) {
    if (pid == ProcessHandle.current().pid()) {
      System.gc();
      return OptionalLong.of(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    try {
      String jcmd = jcmdPath();
      run(List.of(jcmd, Long.toString(pid), "GC.run"));
      return parseUsed(run(List.of(jcmd, Long.toString(pid), "GC.heap_info")));
    } catch (IOException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }

  /**
   * Whether {@code pid} runs a Java VM (its executable is named {@code java}): only a JVM can be
   * asked for its heap, and a jcmd against any other process waits for an attach that never comes.
   */
  public static boolean isJvm(long pid) {
    if (pid == ProcessHandle.current().pid()) {
      return true;
    }
    return ProcessHandle.of(pid).flatMap(h -> h.info().command())
        .map(c -> java.nio.file.Path.of(c).getFileName().toString().equals("java"))
        .orElse(false);
  }

  /** Reads "total NK, used NK" from {@code GC.heap_info} output (G1, Parallel and Serial). */
  static OptionalLong parseUsed(String heapInfo) {
    Matcher m = USED.matcher(heapInfo);
    return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
  }

  private static String jcmdPath() {
    String home = System.getProperty("java.home");
    java.nio.file.Path p = java.nio.file.Path.of(home, "bin", "jcmd");
    return java.nio.file.Files.isExecutable(p) ? p.toString() : "jcmd";
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("jcmd did not finish: " + command);
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
