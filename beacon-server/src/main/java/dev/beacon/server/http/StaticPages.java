package dev.beacon.server.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves a page built into the classpath (the web build writes {@code webroot/...} into the
 * server's classes): {@code /path} redirects to {@code /path/}, which serves its {@code
 * index.html}. Not cached by browsers, so a rebuilt server serves its new pages at once.
 */
public final class StaticPages {

  private StaticPages() {}

  /**
   * {@code GET /favicon.ico}: Beacon's icon, which browsers ask for beside every page (the demo,
   * the dashboard); cached for a day. In every mode: it says nothing about the server.
   */
  public static void favicon(Router router) {
    byte[] icon;
    try (InputStream in = StaticPages.class.getResourceAsStream("favicon.ico")) {
      if (in == null) {
        throw new IllegalStateException("favicon.ico is missing from the classpath");
      }
      icon = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Buffer body = Buffer.buffer(icon);
    router.route("/favicon.ico").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> ctx.response()
            .putHeader("content-type", "image/x-icon")
            .putHeader("cache-control", "public, max-age=86400")
            .end(body));
  }

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
