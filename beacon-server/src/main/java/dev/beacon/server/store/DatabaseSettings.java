package dev.beacon.server.store;

import java.util.Optional;

/**
 * Where durable data lives: the embedded SQLite file under the data folder (the default), or a
 * PostgreSQL database ({@code jdbc:postgresql://...}).
 *
 * @param url empty for the embedded SQLite database
 * @param schema the PostgreSQL schema to use (created if missing); empty for the default
 * @param poolSize connections in the pool
 */
public record DatabaseSettings(Optional<String> url, Optional<String> user, Optional<String> password,
    Optional<String> schema, int poolSize) {

  public static final DatabaseSettings EMBEDDED =
      new DatabaseSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 4);

  public DatabaseSettings {
    url.ifPresent(u -> {
      if (!u.startsWith("jdbc:postgresql:") && !u.startsWith("jdbc:sqlite:")) {
        throw new IllegalArgumentException("db.url must be jdbc:postgresql://... or jdbc:sqlite:..., got '" + u + "'");
      }
    });
    schema.ifPresent(s -> {
      if (!s.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
        throw new IllegalArgumentException("db.schema must be a plain identifier, got '" + s + "'");
      }
    });
    if (poolSize < 1 || poolSize > 200) {
      throw new IllegalArgumentException("db.pool_size must be between 1 and 200, got " + poolSize);
    }
  }
}
