package dev.beacon.bench.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The servers a run can measure: Beacon; the bare Netty WebSocket broadcast server it is compared
 * to ({@code baseline}); the same broadcast protocol on uWebSockets.js ({@code uws}, the script
 * in {@code beacon-bench/uws}); and any other server already running ({@code external}, given by
 * {@code --external=HOST:PORT} and, to sample its CPU and memory, {@code --external-pid}).
 */
public enum TargetKind {
  BEACON("beacon"),
  BASELINE("baseline"),
  UWS("uws"),
  EXTERNAL("external");

  private final String label;

  TargetKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The target named {@code label} on the command line. */
  public static TargetKind parse(String label) {
    for (TargetKind k : values()) {
      if (k.label.equals(label)) {
        return k;
      }
    }
    throw new ConfigException("option --targets takes " + Arrays.stream(values())
        .map(TargetKind::label).collect(Collectors.joining(", ")) + ", got '" + label + "'");
  }
}
