package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

/** The function behaviour on the PostgreSQL running on this machine (127.0.0.1:5432, db test). */
class PostgresFunctionsTest extends FunctionBehaviourTest {

  @Override
  Database.Kind kind() {
    return Database.Kind.POSTGRESQL;
  }
}
