package dev.beacon.server.http;

import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP route of the server, mounted on each event loop's router: the given route sets, an
 * index at {@code /}, and JSON answers for unknown routes and failures.
 */
public final class Routes implements Consumer<Router> {

  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

  private final List<Consumer<Router>> sets;

  public Routes(List<Consumer<Router>> sets) {
    this.sets = List.copyOf(sets);
  }

  @Override
  public void accept(Router router) {
    sets.forEach(set -> set.accept(router));
    router.get("/").handler(ctx -> JsonReplies.reply(ctx, 200, "{\"name\":\"Beacon\","
        + "\"pusher_websocket\":\"/app/{key}\",\"pusher_http_api\":\"/apps/{app_id}/...\","
        + "\"functions\":\"/api/query, /api/mutation\",\"health\":\"/health\",\"metrics\":\"/metrics\"}"));
    // no route: 404; a route for the path but not for the method: 405 (Vert.x tells which)
    router.errorHandler(404, ctx -> JsonReplies.error(ctx, 404,
        "No route for " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> JsonReplies.error(ctx, 405,
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    // a request the router cannot take apart (a malformed percent-encoding) never reaches a
    // route or the failure handler: answer it in JSON too
    router.errorHandler(400, ctx -> {
      if (!ctx.response().ended()) {
        JsonReplies.error(ctx, 400, "Bad request: the URL or its query string is malformed");
      }
    });
    router.route().failureHandler(ctx -> {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      if (ctx.failure() != null && status == 500) {
        LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      }
      JsonReplies.error(ctx, status, JsonReplies.reason(status));
    });
  }
}
