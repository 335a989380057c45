package dev.beacon.server;

import dev.beacon.server.config.ConfigException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a start checks before it opens anything, so a mistake is named in the operator's terms
 * (the path or port and the config key) rather than as the database's or Netty's error.
 */
final class StartChecks {

  private StartChecks() {}

  /** The data folder exists (created if need be) and files can be created in it. */
  static void dataDir(Path dir) {
    String key = "(config key data_dir, BEACON_DATA_DIR)";
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConfigException("data_dir " + dir.toAbsolutePath() + " cannot be created " + key
          + ": " + reason(e));
    }
    Path probe = dir.resolve(".beacon-write-check");
    try {
      Files.deleteIfExists(probe);
      Files.createFile(probe);
      Files.delete(probe);
    } catch (IOException e) {
      throw new ConfigException("data_dir " + dir.toAbsolutePath() + " is not writable " + key
          + ": " + reason(e));
    }
  }

  /**
   * The configured port can be bound on the configured host (port 0 always can). The server's
   * own listeners bind it moments later, after the database is open; a process that takes the
   * port in between is reported by them.
   */
  static void portFree(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as the server binds: a port in TIME_WAIT is free
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new ConfigException("cannot listen on " + host + ":" + port + " (config keys host and "
          + "port, BEACON_HOST and BEACON_PORT): " + reason(e));
    }
  }

  private static String reason(IOException e) {
    String type = e.getClass().getSimpleName();
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return "a file of that name exists and is not a folder";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or folder";
    }
    return e.getMessage() == null ? type : e.getMessage();
  }
}
