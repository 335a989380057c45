package dev.beacon.core.functions;

/**
 * A piece of state a query reads and a change invalidates, e.g. {@code ("typing", "room-1")} or
 * {@code ("notifications", "alice")}, scoped to one app. The live-query engine re-runs exactly
 * the subscriptions that read a changed key.
 */
public record DependencyKey(String appId, String scope, String id) {

  public static DependencyKey of(String appId, String scope, String id) {
    return new DependencyKey(appId, scope, id);
  }

  @Override
  public String toString() {
    return appId + "/" + scope + "/" + id;
  }
}
