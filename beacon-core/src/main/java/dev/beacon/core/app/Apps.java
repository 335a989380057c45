package dev.beacon.core.app;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The apps a server hosts, found by id (HTTP API) or key (WebSocket path). Immutable. */
public final class Apps {

  private final List<App> all;
  private final Map<String, App> byId = new LinkedHashMap<>();
  private final Map<String, App> byKey = new LinkedHashMap<>();

  private Apps(List<App> apps) {
    if (apps.isEmpty()) {
      throw new IllegalArgumentException("at least one app must be configured");
    }
    for (App app : apps) {
      if (byId.putIfAbsent(app.id(), app) != null) {
        throw new IllegalArgumentException("two apps have the id '" + app.id() + "'");
      }
      if (byKey.putIfAbsent(app.key(), app) != null) {
        throw new IllegalArgumentException("two apps have the key '" + app.key() + "'");
      }
    }
    this.all = List.copyOf(apps);
  }

  public static Apps of(List<App> apps) {
    return new Apps(apps);
  }

  public Optional<App> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Optional<App> byKey(String key) {
    return Optional.ofNullable(byKey.get(key));
  }

  /** The first configured app: the default for development helpers. */
  public App first() {
    return all.get(0);
  }

  public List<App> all() {
    return all;
  }
}
