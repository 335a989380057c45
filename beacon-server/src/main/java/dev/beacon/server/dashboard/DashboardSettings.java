package dev.beacon.server.dashboard;

import java.util.Optional;

/**
 * Whether the dashboard is served, whether its debug console records, and who may open it.
 *
 * @param enabled serve {@code /dashboard} and its JSON
 * @param console record each app's recent connections, subscriptions, events and errors
 * @param consoleEntries how many entries the console keeps per app (the oldest are dropped)
 * @param username with {@code password}: HTTP basic auth in front of the dashboard
 */
public record DashboardSettings(boolean enabled, boolean console, int consoleEntries,
    Optional<String> username, Optional<String> password) {

  public static final int DEFAULT_CONSOLE_ENTRIES = 500;

  /** The development default: open, console on. */
  public static final DashboardSettings DEVELOPMENT = new DashboardSettings(true, true,
      DEFAULT_CONSOLE_ENTRIES, Optional.empty(), Optional.empty());

  public DashboardSettings {
    if (username.isPresent() != password.isPresent()) {
      throw new IllegalArgumentException("dashboard.username and dashboard.password must be set together");
    }
    if (console && !enabled) {
      throw new IllegalArgumentException("dashboard.console is true but dashboard.enabled is false: "
          + "nothing would show the console");
    }
    if (consoleEntries < 10 || consoleEntries > 100_000) {
      throw new IllegalArgumentException("dashboard.console_entries must be between 10 and 100000, got "
          + consoleEntries);
    }
  }

  /** Whether requests must carry the configured credentials. */
  public boolean passwordProtected() {
    return username.isPresent();
  }
}
