package dev.beacon.core.functions;

import java.util.Collection;

/**
 * Where the domain reports what it changed: a mutation's writes, an expiry firing, a connection
 * closing. The live-query engine listens; on a single node with no subscribers it does nothing.
 */
public interface Changes {

  Changes NONE = keys -> {};

  /** The given keys changed. Called on any thread, after the change is visible to readers. */
  void changed(Collection<DependencyKey> keys);
}
