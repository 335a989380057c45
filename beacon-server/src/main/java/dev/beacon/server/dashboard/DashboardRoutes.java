package dev.beacon.server.dashboard;

import dev.beacon.protocol.json.Json;
import dev.beacon.server.http.JsonReplies;
import dev.beacon.server.http.StaticPages;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * {@code /dashboard}: the page (built from {@code web/dashboard} into the classpath), {@code
 * /dashboard/api/stats} (the numbers, polled every second) and {@code /dashboard/api/console}
 * (the debug console's entries after a sequence number). Behind basic auth when credentials are
 * configured.
 */
public final class DashboardRoutes {

  private final DashboardSettings settings;
  private final DashboardStats stats;
  private final Optional<EventConsole> console;
  private final String defaultApp;

  public DashboardRoutes(DashboardSettings settings, DashboardStats stats,
      Optional<EventConsole> console, String defaultApp) {
    this.settings = settings;
    this.stats = stats;
    this.console = console;
    this.defaultApp = defaultApp;
  }

  public void mount(Router router) {
    if (settings.passwordProtected()) {
      BasicAuthGuard guard = new BasicAuthGuard(settings.username().get(), settings.password().get());
      router.route("/dashboard").handler(guard);
      router.route("/dashboard/*").handler(guard);
    }
    router.get("/dashboard/api/stats").handler(ctx -> JsonReplies.ok(ctx,
        stats.toJson(app(ctx), longParam(ctx, "since"))));
    router.get("/dashboard/api/console").handler(this::console);
    StaticPages.mount(router, "/dashboard", "webroot/dashboard");
  }

  private void console(RoutingContext ctx) {
    if (console.isEmpty()) {
      JsonReplies.reply(ctx, 200, "{\"enabled\":false,\"entries\":[],\"last\":0}");
      return;
    }
    var out = console.get().after(app(ctx), longParam(ctx, "after"));
    out.put("enabled", true);
    JsonReplies.reply(ctx, 200, Json.write(out));
  }

  private String app(RoutingContext ctx) {
    String app = ctx.request().getParam("app");
    return app == null || app.isBlank() ? defaultApp : app;
  }

  private static long longParam(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
