package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

/** The function behaviour on the embedded SQLite store. */
class SqliteFunctionsTest extends FunctionBehaviourTest {

  @Override
  Database.Kind kind() {
    return Database.Kind.SQLITE;
  }
}
