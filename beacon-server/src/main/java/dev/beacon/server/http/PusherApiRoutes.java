package dev.beacon.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.app.App;
import dev.beacon.core.app.Apps;
import dev.beacon.core.console.DebugConsole;
import dev.beacon.core.pusher.ApiException;
import dev.beacon.core.pusher.PusherHttpApi;
import dev.beacon.protocol.json.Json;
import dev.beacon.protocol.pusher.TriggerRequest;
import dev.beacon.server.metrics.MicrometerMetrics;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import dev.beacon.core.hub.ClusterUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mounts the Pusher HTTP API ({@code /apps/:appId/...}) on a router. */
public final class PusherApiRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(PusherApiRoutes.class);

  private final PusherHttpApi api;
  private final MicrometerMetrics metrics;
  private final int maxRequestBytes;
  private final DebugConsole console;

  /** The app tag of requests to app ids that do not exist: one series, however many are tried. */
  static final String UNKNOWN_APP = "unknown";

  private final Apps apps;

  public PusherApiRoutes(Apps apps, PusherHttpApi api, MicrometerMetrics metrics, int maxRequestBytes,
      DebugConsole console) {
    this.apps = apps;
    this.api = api;
    this.metrics = metrics;
    this.maxRequestBytes = maxRequestBytes;
    this.console = console;
  }

  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxRequestBytes);
    router.post("/apps/:appId/events").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> handle(ctx, "events",
        (app, req) -> api.trigger(app, TriggerRequest.fromJson(req.json(), false))));
    router.post("/apps/:appId/batch_events").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> handle(ctx, "batch_events",
        (app, req) -> api.batch(app, batch(req.json()))));
    router.get("/apps/:appId/channels").handler(ctx -> handle(ctx, "channels",
        (app, req) -> api.channels(app, Optional.ofNullable(req.query.get("filter_by_prefix")),
            info(req.query))));
    router.get("/apps/:appId/channels/:channel").handler(ctx -> handle(ctx, "channel",
        (app, req) -> api.channel(app, ctx.pathParam("channel"), info(req.query))));
    router.get("/apps/:appId/channels/:channel/users").handler(ctx -> handle(ctx, "users",
        (app, req) -> api.users(app, ctx.pathParam("channel"))));
    router.post("/apps/:appId/users/:userId/terminate_connections").handler(body).handler(JsonReplies::requireUtf8)
        .handler(ctx -> handle(ctx, "terminate_connections",
            (app, req) -> done(api.terminate(app, ctx.pathParam("userId")))));
  }

  /** A parsed request: decoded query and raw body. */
  private record Request(Map<String, String> query, byte[] body) {
    JsonNode json() {
      if (body.length == 0) {
        throw new ApiException(400, "The request needs a JSON body");
      }
      try {
        return Json.parse(new String(body, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "The body is not valid JSON: " + e.getMessage());
      }
    }
  }

  /** An endpoint's answer: at once, or later when it reads the cluster's registries. */
  @FunctionalInterface
  private interface Endpoint {
    CompletionStage<ObjectNode> call(App app, Request request);
  }

  private static CompletionStage<ObjectNode> done(ObjectNode reply) {
    return CompletableFuture.completedFuture(reply);
  }

  private void handle(RoutingContext ctx, String endpoint, Endpoint action) {
    long start = System.nanoTime();
    String appId = ctx.pathParam("appId");
    CompletionStage<ObjectNode> reply;
    try {
      // ';' is a channel-name character, not a separator: the SDKs send filter_by_prefix raw
      Request request = new Request(query(ctx.request().params(true)),
          ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
      App app = api.authenticate(appId, ctx.request().method().name(), ctx.request().path(),
          request.query(), request.body());
      reply = action.call(app, request);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
    reply.whenComplete((body, failure) -> {
      if (context.isEventLoopContext() && io.vertx.core.Vertx.currentContext() != context) {
        context.runOnContext(v -> answer(ctx, endpoint, appId, start, body, failure));
      } else {
        answer(ctx, endpoint, appId, start, body, failure);
      }
    });
  }

  private void answer(RoutingContext ctx, String endpoint, String appId, long start, ObjectNode body,
      Throwable failure) {
    int status = 200;
    String error = null;
    Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (e == null) {
      JsonReplies.ok(ctx, body);
    } else if (e instanceof ApiException api) {
      status = api.status();
      error = api.getMessage();
    } else if (e instanceof ClusterUnavailableException) {
      status = 503;
      error = e.getMessage();
    } else if (e instanceof IllegalArgumentException) {
      status = 400;
      error = e.getMessage();
    } else {
      status = 500;
      LOG.error("HTTP API {} failed", endpoint, e);
      error = "Internal server error";
    }
    if (error != null) {
      JsonReplies.error(ctx, status, error);
      console.error(appId, Optional.empty(), status, "HTTP API " + ctx.request().method() + " "
          + endpoint + ": " + error);
    }
    // a request to a made-up app id must not create meters of its own
    String tag = apps.byId(appId).isPresent() ? appId : UNKNOWN_APP;
    long nanos = System.nanoTime() - start;
    metrics.httpApi(tag, endpoint, status, nanos);
    if (LOG.isDebugEnabled()) {
      LOG.atDebug().addKeyValue("app", appId).addKeyValue("endpoint", endpoint)
          .addKeyValue("status", status).addKeyValue("ms", nanos / 1000 / 1000.0)
          .log("HTTP API {} {}", ctx.request().method(), endpoint);
    }
    if (status >= 400) {
      metrics.error(tag, status);
    }
  }

  private static Map<String, String> query(MultiMap params) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : params) {
      out.putIfAbsent(e.getKey(), e.getValue());
    }
    return out;
  }

  private static Set<String> info(Map<String, String> query) {
    String info = query.get("info");
    return info == null ? Set.of() : TriggerRequest.parseInfo(info);
  }

  private static List<TriggerRequest> batch(JsonNode body) {
    JsonNode batch = body.get("batch");
    if (batch == null || !batch.isArray()) {
      throw new ApiException(400, "'batch' must be an array of events");
    }
    List<TriggerRequest> out = new ArrayList<>(batch.size());
    int i = 0;
    for (JsonNode event : batch) {
      try {
        out.add(TriggerRequest.fromJson(event, true));
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "batch[" + i + "]: " + e.getMessage());
      }
      i++;
    }
    return out;
  }
}
