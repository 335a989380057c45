package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

/** Conversations and messages on the embedded SQLite store. */
class SqliteConversationTest extends ConversationBehaviourTest {

  @Override
  Database.Kind kind() {
    return Database.Kind.SQLITE;
  }
}
