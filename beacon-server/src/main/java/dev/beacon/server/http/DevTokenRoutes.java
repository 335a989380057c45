package dev.beacon.server.http;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.server.auth.DevTokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Optional;

/**
 * {@code GET /dev/token?user=alice[&app=app-id][&name=Alice][&picture=https://...]}: a JWT for a
 * demo user. Development mode only.
 */
public final class DevTokenRoutes {

  private final Apps apps;
  private final DevTokens tokens;

  public DevTokenRoutes(Apps apps, DevTokens tokens) {
    this.apps = apps;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    router.route("/dev/*").handler(CorsHandler.create().addOriginWithRegex(".*"));
    router.get("/dev/token").handler(ctx -> {
      String user = ctx.request().getParam("user");
      if (user == null || !user.matches("[A-Za-z0-9_\\-=@,.;:|+]{1,128}")) {
        JsonReplies.error(ctx, 400, "give ?user=<id>: 1-128 of A-Z a-z 0-9 _ - = @ , . ; : | +");
        return;
      }
      Optional<App> app = Optional.ofNullable(ctx.request().getParam("app"))
          .map(id -> apps.byId(id)).orElse(Optional.of(apps.first()));
      if (app.isEmpty()) {
        JsonReplies.error(ctx, 404, "no app with id '" + ctx.request().getParam("app") + "'");
        return;
      }
      try {
        // a demo user's display name and picture, as an identity provider's token carries them
        java.util.Map<String, String> profile = new java.util.LinkedHashMap<>();
        for (String claim : new String[] {"name", "picture"}) {
          String value = ctx.request().getParam(claim);
          if (value != null && !value.isBlank() && value.length() <= 2048) {
            profile.put(claim, value);
          }
        }
        JsonReplies.reply(ctx, 200, "{\"token\":\"" + tokens.mint(app.get(), user, profile) + "\"}");
      } catch (IllegalArgumentException e) {
        JsonReplies.error(ctx, 400, e.getMessage());
      }
    });
  }
}
