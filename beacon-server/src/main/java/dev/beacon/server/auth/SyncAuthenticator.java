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
  public Identity authenticate(SyncClientMessage.TokenType type, Optional<String> value,
      Optional<JsonNode> impersonating) {
    switch (type) {
      case USER: {
        TokenVerifier.Verified v = credentials.verifiedUser(value.orElseThrow(
            () -> FunctionException.unauthenticated("Authenticate with tokenType User needs a value")));
        // the identity lasts as long as the verifier would still accept the token
        return new Identity(Caller.user(v.app(), v.userId(), v.profile()),
            java.util.OptionalLong.of(v.expiresAtMillis() + TokenVerifier.SKEW_SECONDS * 1000L));
      }
      case ADMIN: {
        Caller admin = credentials.adminCaller(value.orElseThrow(
            () -> FunctionException.unauthenticated("Authenticate with tokenType Admin needs a value")));
        if (impersonating.isPresent() && admin.trusted()) {
          JsonNode subject = impersonating.get().get("subject");
          if (subject == null || !subject.isTextual() || subject.textValue().isEmpty()) {
            throw FunctionException.unauthenticated("the identity to impersonate needs a 'subject'");
          }
          return Identity.lasting(Caller.user(admin.app(), subject.textValue()));
        }
        return Identity.lasting(admin);
      }
      case NONE:
      default:
        return Identity.lasting(anonymous());
    }
  }

  @Override
  public Caller anonymous() {
    return Caller.anonymous(apps.first());
  }
}
