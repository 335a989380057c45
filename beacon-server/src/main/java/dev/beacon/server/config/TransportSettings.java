package dev.beacon.server.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the server treats connections before and between requests, and TLS.
 *
 * @param requestTimeoutSeconds how long a client has to send a complete request (head and body;
 *     a WebSocket upgrade is a request) once its connection is open or its request's first byte
 *     arrived; then the connection is closed
 * @param idleTimeoutSeconds how long an HTTP keep-alive connection may sit idle between requests
 * @param maxPendingPerAddress connections from one remote address that may be waiting for their
 *     first request (or WebSocket handshake) at once; more are refused (0: no cap)
 * @param tlsCertFile a PEM certificate chain: with {@code tlsKeyFile}, the port serves TLS only
 * @param tlsKeyFile the PEM private key of {@code tlsCertFile}
 */
public record TransportSettings(
    int requestTimeoutSeconds,
    int idleTimeoutSeconds,
    int maxPendingPerAddress,
    Optional<Path> tlsCertFile,
    Optional<Path> tlsKeyFile) {

  public static final TransportSettings DEFAULTS =
      new TransportSettings(10, 60, 256, Optional.empty(), Optional.empty());

  public boolean tls() {
    return tlsCertFile.isPresent();
  }
}
