package dev.beacon.bench.config;

/** The servers a run measures: Beacon, and the bare WebSocket broadcast server it is compared to. */
public enum TargetKind {
  BEACON,
  BASELINE;

  public String label() {
    return this == BEACON ? "beacon" : "baseline";
  }
}
