package dev.beacon.server.push;

import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.http.JsonReplies;
import io.vertx.ext.web.Router;
import java.util.Optional;

/**
 * {@code GET /push/vapid-public-key?app=<id or key>}: the VAPID public key a page passes to {@code
 * pushManager.subscribe} ({@code {"publicKey": "..."}}); 404 when the app has no Web Push. Public,
 * like the key itself; CORS-open so any page of the app may read it.
 */
public final class PushRoutes {

  private final Apps apps;

  public PushRoutes(Apps apps) {
    this.apps = apps;
  }

  public void mount(Router router) {
    router.get("/push/vapid-public-key").handler(ctx -> {
      ctx.response().putHeader("Access-Control-Allow-Origin", "*");
      String name = Optional.ofNullable(ctx.request().getParam("app")).orElse("");
      Optional<App> app = name.isEmpty() ? Optional.of(apps.first())
          : apps.byId(name).or(() -> apps.byKey(name));
      if (app.isEmpty()) {
        JsonReplies.error(ctx, 404, "Unknown app '" + name + "'");
      } else if (app.get().push().web().isEmpty()) {
        JsonReplies.error(ctx, 404, "App '" + app.get().id() + "' has no Web Push configured");
      } else {
        JsonReplies.reply(ctx, 200, "{\"app\":" + Json.quote(app.get().id()) + ",\"publicKey\":"
            + Json.quote(app.get().push().web().get().publicKey()) + "}");
      }
    });
  }
}
