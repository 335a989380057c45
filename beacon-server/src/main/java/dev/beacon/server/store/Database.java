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
    return prepared(c, sql, ps -> {
      bind(ps, params);
      return ps.executeUpdate();
    });
  }

  static <T> List<T> list(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
    return prepared(c, sql, ps -> rows(ps, row, params));
  }

  /** What runs on a prepared statement. */
  private interface StatementUse<T> {
    T run(PreparedStatement ps) throws SQLException;
  }

  /**
   * Runs {@code use} on the connection's kept statement for {@code sql} (SQLite, {@link
   * Statements}), its parameters cleared first, dropping it if the use fails; or, none kept, on a
   * statement prepared for this use and closed after it.
   */
  private static <T> T prepared(Connection c, String sql, StatementUse<T> use) throws SQLException {
    PreparedStatement kept = Statements.kept(c, sql);
    if (kept == null) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        return use.run(ps);
      }
    }
    try {
      kept.clearParameters();
      return use.run(kept);
    } catch (SQLException | RuntimeException e) {
      Statements.drop(c, sql);
      throw e;
    }
  }

  /** Runs a query; the result set is read to its end and closed, which resets the statement. */
  private static <T> List<T> rows(PreparedStatement ps, Row<T> row, Object... params)
      throws SQLException {
    bind(ps, params);
    try (ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(row.read(rs));
      }
      return out;
    }
  }

  /** Statements prepared once and kept, over all SQLite connections (for tests and metrics). */
  static long statementsPrepared() {
    return Statements.prepared.get();
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
    Statements.forgetClosed();
  }

  /**
   * SQLite's prepared statements, kept per pooled connection and used again: preparing (parsing
   * the SQL and planning it against the schema) was most of a small query's cost, a third of the
   * function workers' time in the stream benchmark (a live-query round reads a conversation, its
   * members and its streaming messages for every flush of a streamed text). A statement is used
   * by the thread that holds its connection (the pool lends a connection to one thread at a
   * time); a query's result set is always read to its end and closed, and an update runs to
   * completion, so a kept statement is reset and holds no read snapshot or lock between uses. A
   * statement that failed is closed and prepared afresh next time. PostgreSQL's driver keeps its
   * own server-side statements, so nothing is kept here for it.
   */
  private static final class Statements {

    /** The most statements kept per connection; the least recently used is closed past it. */
    static final int PER_CONNECTION = 128;

    private static final java.util.concurrent.ConcurrentHashMap<Connection, Statements> BY_CONNECTION =
        new java.util.concurrent.ConcurrentHashMap<>();
    static final java.util.concurrent.atomic.AtomicLong prepared =
        new java.util.concurrent.atomic.AtomicLong();

    private final Connection connection;
    private final java.util.LinkedHashMap<String, PreparedStatement> kept =
        new java.util.LinkedHashMap<>(32, 0.75f, true);

    private Statements(Connection connection) {
      this.connection = connection;
    }

    /** The kept statement for {@code sql} on {@code c}'s SQLite connection; null for others. */
    static PreparedStatement kept(Connection c, String sql) throws SQLException {
      if (!c.isWrapperFor(org.sqlite.SQLiteConnection.class)) {
        return null;
      }
      Connection physical = c.unwrap(org.sqlite.SQLiteConnection.class);
      Statements mine = BY_CONNECTION.get(physical);
      if (mine == null) {
        forgetClosed();
        mine = BY_CONNECTION.computeIfAbsent(physical, Statements::new);
      }
      return mine.get(sql);
    }

    /** Closes and forgets the kept statement for {@code sql} on {@code c}'s connection. */
    static void drop(Connection c, String sql) {
      try {
        Statements mine = BY_CONNECTION.get(c.unwrap(org.sqlite.SQLiteConnection.class));
        PreparedStatement ps = mine == null ? null : mine.kept.remove(sql);
        if (ps != null) {
          ps.close();
        }
      } catch (SQLException ignored) {
        // the connection is gone: its statements went with it
      }
    }

    /** Forgets the statements of connections the pool has closed (they closed with them). */
    static void forgetClosed() {
      BY_CONNECTION.keySet().removeIf(conn -> {
        try {
          return conn.isClosed();
        } catch (SQLException e) {
          return true;
        }
      });
    }

    private PreparedStatement get(String sql) throws SQLException {
      PreparedStatement ps = kept.get(sql);
      if (ps != null && !ps.isClosed()) {
        return ps;
      }
      ps = connection.prepareStatement(sql);
      prepared.incrementAndGet();
      kept.put(sql, ps);
      if (kept.size() > PER_CONNECTION) {
        var eldest = kept.entrySet().iterator();
        PreparedStatement old = eldest.next().getValue();
        eldest.remove();
        old.close();
      }
      return ps;
    }
  }

  /** A failure of the durable store. */
  public static final class StoreException extends RuntimeException {
    StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
