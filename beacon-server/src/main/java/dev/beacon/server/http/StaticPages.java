package dev.beacon.server.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves a page built into the classpath (the web build writes {@code webroot/...} into the
 * server's classes): {@code /path} redirects to {@code /path/}, which serves its {@code
 * index.html}. Not cached by browsers, so a rebuilt server serves its new pages at once.
 */
public final class StaticPages {

  private StaticPages() {}

  /** Mounts the files under the classpath folder {@code root} at {@code path}. */
  public static void mount(Router router, String path, String root) {
    router.get(path).handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        ctx.next(); // Vert.x matches "/path/" here too
        return;
      }
      String query = ctx.request().query();
      ctx.response().setStatusCode(302)
          .putHeader("location", path + "/" + (query == null ? "" : "?" + query)).end();
    });
    StaticHandler files = StaticHandler.create(root)
        .setCachingEnabled(false)
        .setDirectoryListing(false)
        .setIndexPage("index.html");
    router.route(path + "/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      ctx.response().putHeader("cache-control", "no-cache");
      ctx.next();
    }).handler(files);
  }
}
