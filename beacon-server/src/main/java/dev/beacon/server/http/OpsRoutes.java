package dev.beacon.server.http;

import dev.beacon.protocol.json.Json;
import dev.beacon.server.metrics.MicrometerMetrics;
import io.vertx.ext.web.Router;
import java.util.Optional;
import java.util.function.Supplier;

/** Health, readiness and Prometheus metrics. */
public final class OpsRoutes {

  private final MicrometerMetrics metrics;
  private final Supplier<Optional<String>> notReady;

  /**
   * @param notReady why the server is not ready (starting, draining, the cluster unreachable), or
   *     empty when it is
   */
  public OpsRoutes(MicrometerMetrics metrics, Supplier<Optional<String>> notReady) {
    this.metrics = metrics;
    this.notReady = notReady;
  }

  public void mount(Router router) {
    router.get("/health").handler(ctx -> JsonReplies.reply(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/ready").handler(ctx -> {
      Optional<String> reason = notReady.get();
      if (reason.isEmpty()) {
        JsonReplies.reply(ctx, 200, "{\"status\":\"READY\"}");
      } else if (reason.get().equals("DRAINING")) {
        JsonReplies.reply(ctx, 503, "{\"status\":\"DRAINING\"}");
      } else {
        JsonReplies.reply(ctx, 503, "{\"status\":\"NOT_READY\",\"reason\":"
            + Json.quote(reason.get()) + "}");
      }
    });
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
  }
}
