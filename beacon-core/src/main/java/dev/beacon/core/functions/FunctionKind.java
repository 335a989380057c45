package dev.beacon.core.functions;

/** Convex's function kinds: queries read, mutations write. */
public enum FunctionKind {
  QUERY,
  MUTATION;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
