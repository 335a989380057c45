package dev.beacon.server.http;

import dev.beacon.server.metrics.MicrometerMetrics;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;

/** Health, readiness and Prometheus metrics. */
public final class OpsRoutes {

  private final MicrometerMetrics metrics;
  private final BooleanSupplier ready;

  /** @param ready false while starting or draining */
  public OpsRoutes(MicrometerMetrics metrics, BooleanSupplier ready) {
    this.metrics = metrics;
    this.ready = ready;
  }

  public void mount(Router router) {
    router.get("/health").handler(ctx -> JsonReplies.reply(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/ready").handler(ctx -> {
      if (ready.getAsBoolean()) {
        JsonReplies.reply(ctx, 200, "{\"status\":\"READY\"}");
      } else {
        JsonReplies.reply(ctx, 503, "{\"status\":\"DRAINING\"}");
      }
    });
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
  }
}
