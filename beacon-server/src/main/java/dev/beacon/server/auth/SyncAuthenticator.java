package dev.beacon.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.app.Apps;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.live.Authenticator;
import dev.beacon.protocol.convex.sync.SyncClientMessage;
import java.util.Optional;

/**
 * The sync protocol's {@code Authenticate}, checked like the HTTP API's credentials: a user JWT,
 * an admin key (optionally impersonating an identity whose {@code subject} becomes the user), or
 * none.
 */
public final class SyncAuthenticator implements Authenticator {

  private final Apps apps;
  private final Credentials credentials;

  public SyncAuthenticator(Apps apps, Credentials credentials) {
    this.apps = apps;
    this.credentials = credentials;
  }

  @Override
  public Caller authenticate(SyncClientMessage.TokenType type, Optional<String> value,
      Optional<JsonNode> impersonating) {
    switch (type) {
      case USER:
        return credentials.userCaller(value.orElseThrow(
            () -> FunctionException.unauthenticated("Authenticate with tokenType User needs a value")));
      case ADMIN: {
        Caller admin = credentials.adminCaller(value.orElseThrow(
            () -> FunctionException.unauthenticated("Authenticate with tokenType Admin needs a value")));
        if (impersonating.isPresent() && admin.trusted()) {
          JsonNode subject = impersonating.get().get("subject");
          if (subject == null || !subject.isTextual() || subject.textValue().isEmpty()) {
            throw FunctionException.unauthenticated("the identity to impersonate needs a 'subject'");
          }
          return Caller.user(admin.app(), subject.textValue());
        }
        return admin;
      }
      case NONE:
      default:
        return anonymous();
    }
  }

  @Override
  public java.util.OptionalLong validUntilMillis(SyncClientMessage.TokenType type,
      Optional<String> value) {
    if (type != SyncClientMessage.TokenType.USER || value.isEmpty()) {
      return java.util.OptionalLong.empty();
    }
    try {
      // verified a moment ago by authenticate: this is the verifier's cache
      return java.util.OptionalLong.of(credentials.tokens().verify(value.get()).expiresAtMillis()
          + TokenVerifier.SKEW_SECONDS * 1000L);
    } catch (TokenVerifier.InvalidTokenException e) {
      return java.util.OptionalLong.of(0); // went invalid in between: the identity ends at once
    }
  }

  @Override
  public Caller anonymous() {
    return Caller.anonymous(apps.first());
  }
}
