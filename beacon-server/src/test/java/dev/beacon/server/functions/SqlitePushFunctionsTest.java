package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

class SqlitePushFunctionsTest extends PushFunctionsTest {
  @Override
  Database.Kind kind() {
    return Database.Kind.SQLITE;
  }
}
