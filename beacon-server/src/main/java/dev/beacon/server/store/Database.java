package dev.beacon.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool and schema of the durable store, on SQLite or PostgreSQL, with the small
 * set of statement helpers the stores use. Every call blocks: call it off the event loops.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** Which database is behind the pool. */
  public enum Kind { SQLITE, POSTGRESQL }

  private final HikariDataSource pool;
  private final Kind kind;
  private final String description;

  private Database(HikariDataSource pool, Kind kind, String description) {
    this.pool = pool;
    this.kind = kind;
    this.description = description;
  }

  /** Opens the pool and brings the schema up to date with Flyway. */
  public static Database open(DatabaseSettings settings, Path dataDir) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("beacon-db");
    String url = settings.url().orElse("jdbc:sqlite:" + dataDir.resolve("beacon.db").toAbsolutePath());
    Kind kind = url.startsWith("jdbc:sqlite:") ? Kind.SQLITE : Kind.POSTGRESQL;
    config.setJdbcUrl(url);
    settings.user().ifPresent(config::setUsername);
    settings.password().ifPresent(config::setPassword);
    config.setMaximumPoolSize(settings.poolSize());
    config.setConnectionTimeout(10_000);
    if (kind == Kind.SQLITE) {
      // WAL: readers never wait for the writer; NORMAL: a commit survives the process being
      // killed (kill -9), though not a power cut before the next checkpoint
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("synchronous", "NORMAL");
      config.addDataSourceProperty("busy_timeout", "10000");
      // a transaction takes the write lock when it begins: one that read first and wrote after
      // another connection's commit would otherwise fail at once (SQLITE_BUSY_SNAPSHOT, which no
      // busy timeout waits out); SQLite has one writer at a time either way
      config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
      config.addDataSourceProperty("foreign_keys", "true");
    } else {
      settings.schema().ifPresent(s -> config.setSchema(s));
    }
    HikariDataSource pool = new HikariDataSource(config);
    try {
      // migrations are numbered by the feature that adds them (V14_1 rooms, V16_1 push, ...):
      // a data dir made by a build that had V16_1 but not yet V15_1 still gets V15_1 applied
      var flyway = Flyway.configure().dataSource(pool).locations("classpath:db/migration")
          .createSchemas(true).outOfOrder(true);
      if (kind == Kind.POSTGRESQL && settings.schema().isPresent()) {
        flyway = flyway.schemas(settings.schema().get()).defaultSchema(settings.schema().get());
      }
      int applied = flyway.load().migrate().migrationsExecuted;
      String description = kind == Kind.SQLITE ? "SQLite " + url.substring("jdbc:sqlite:".length())
          : "PostgreSQL " + url.replaceAll("password=[^&]*", "password=***");
      LOG.info("durable store: {} ({} migrations applied)", description, applied);
      return new Database(pool, kind, description);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  public Kind kind() {
    return kind;
  }

  public String description() {
    return description;
  }

  /** Reads one column value from a row. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Work done with one connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  public int update(String sql, Object... params) {
    return withConnection(c -> update(c, sql, params));
  }

  public <T> List<T> list(String sql, Row<T> row, Object... params) {
    return withConnection(c -> list(c, sql, row, params));
  }

  public <T> Optional<T> one(String sql, Row<T> row, Object... params) {
    List<T> rows = list(sql, row, params);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }

  /** Runs {@code work} in one transaction, committed when it returns. */
  public <T> T transaction(Work<T> work) {
    return withConnection(c -> {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    }
  }

  static <T> List<T> list(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(row.read(rs));
        }
        return out;
      }
    }
  }

  /** Runs {@code work} on one connection in auto-commit mode. */
  <T> T withConnection(Work<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("database error: " + e.getMessage(), e);
    }
  }

  private static void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof Boolean b) {
        ps.setInt(i + 1, b ? 1 : 0);
      } else {
        ps.setObject(i + 1, p);
      }
    }
  }

  /** {@code ?, ?, ?} for an IN list. */
  static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  @Override
  public void close() {
    pool.close();
  }

  /** A failure of the durable store. */
  public static final class StoreException extends RuntimeException {
    StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
