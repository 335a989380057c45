package dev.beacon.server.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.server.http.JsonReplies;
import dev.beacon.server.http.StaticPages;
import io.vertx.ext.web.Router;

/**
 * {@code /demo}: the chat-room page (built from {@code web/demo} into the classpath) and {@code
 * /demo/config.json}, which tells it the development app's key. Development mode only: the page
 * signs in through the development token and auth endpoints.
 */
public final class DemoRoutes {

  private final App app;

  /** @param app the app the page connects to: the development app */
  public DemoRoutes(App app) {
    this.app = app;
  }

  public void mount(Router router) {
    router.get("/demo/config.json").handler(ctx -> {
      ObjectNode config = JsonNodeFactory.instance.objectNode();
      config.put("appId", app.id());
      config.put("appKey", app.key());
      config.put("typingTtlSeconds", app.functions().typingTtlSeconds());
      JsonReplies.ok(ctx, config);
    });
    StaticPages.mount(router, "/demo", "webroot/demo");
  }
}
