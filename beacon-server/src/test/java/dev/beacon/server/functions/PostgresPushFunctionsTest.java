package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

/** On the PostgreSQL of this machine, in a schema of its own. */
class PostgresPushFunctionsTest extends PushFunctionsTest {
  @Override
  Database.Kind kind() {
    return Database.Kind.POSTGRESQL;
  }
}
