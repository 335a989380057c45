package dev.beacon.server.dashboard;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * HTTP basic authentication with one configured user, in front of the dashboard: a request
 * without the right {@code Authorization: Basic ...} gets 401 and a challenge, so a browser asks
 * for the credentials. Compared in constant time.
 */
final class BasicAuthGuard implements Handler<RoutingContext> {

  static final String REALM = "Beacon dashboard";

  private final byte[] expected;

  BasicAuthGuard(String username, String password) {
    this.expected = (username + ":" + password).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (authorized(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    ctx.response().setStatusCode(401)
        .putHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"")
        .putHeader("content-type", "application/json; charset=utf-8")
        .end("{\"error\":\"The dashboard needs the credentials configured as dashboard.username "
            + "and dashboard.password\"}");
  }

  boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(header.substring(6).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(expected, given);
  }
}
