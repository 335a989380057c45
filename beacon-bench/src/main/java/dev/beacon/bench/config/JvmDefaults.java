package dev.beacon.bench.config;

/**
 * The JVM flags a Beacon the tool starts gets before {@code --server-jvm-args}: those of the
 * shipped launcher {@code bin/beacon} (the default), or none (the JVM's own defaults).
 */
public enum JvmDefaults {
  LAUNCHER("launcher"),
  JDK("jdk");

  private final String label;

  JvmDefaults(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static JvmDefaults parse(String s) {
    for (JvmDefaults d : values()) {
      if (d.label.equals(s)) {
        return d;
      }
    }
    throw new ConfigException("option --server-jvm-defaults takes launcher or jdk, got '" + s + "'");
  }
}
