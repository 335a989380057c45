package dev.beacon.server.functions;

import dev.beacon.server.store.Database;

/** Conversations and messages on the PostgreSQL running on this machine (own schema). */
class PostgresConversationTest extends ConversationBehaviourTest {

  @Override
  Database.Kind kind() {
    return Database.Kind.POSTGRESQL;
  }
}
