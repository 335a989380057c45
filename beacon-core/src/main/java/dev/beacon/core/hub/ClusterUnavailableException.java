package dev.beacon.core.hub;

/**
 * A call that needs the cluster (its registries or the other nodes) cannot be served now: the
 * cluster's store is unreachable or did not answer in time. Local delivery goes on meanwhile.
 */
public final class ClusterUnavailableException extends RuntimeException {

  public ClusterUnavailableException(String message) {
    super(message, null, false, false);
  }
}
