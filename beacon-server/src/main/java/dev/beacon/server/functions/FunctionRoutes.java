package dev.beacon.server.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.core.functions.Caller;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionException;
import dev.beacon.core.functions.FunctionKind;
import dev.beacon.core.functions.Functions;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.convex.FunctionRequest;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.auth.Credentials;
import dev.beacon.server.http.JsonReplies;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Convex's HTTP function API, as {@code ConvexHttpClient} speaks it: {@code POST /api/query},
 * {@code /api/mutation}, {@code /api/function} (either kind), {@code /api/action} (refused:
 * Beacon has no actions), {@code /api/query_ts} and {@code /api/query_at_ts}.
 *
 * <p>Replies are HTTP 200 with {@code {status: "success", value, logLines: []}} or {@code
 * {status: "error", errorMessage, errorData?, logLines: []}}; a body that is not a function call
 * at all is a 400 with a JSON error. CORS is answered as Convex does: the Origin mirrored,
 * {@code authorization}, {@code content-type} and {@code convex-client} allowed.
 */
public final class FunctionRoutes {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final FunctionRunner runner;
  private final Credentials credentials;
  private final LongSupplier timestamps;

  /** @param timestamps the current Convex timestamp (nanoseconds), for {@code query_ts} */
  public FunctionRoutes(FunctionRunner runner, Credentials credentials, LongSupplier timestamps) {
    this.runner = runner;
    this.credentials = credentials;
    this.timestamps = timestamps;
  }

  public void mount(Router router) {
    CorsHandler cors = CorsHandler.create()
        .addOriginWithRegex(".*")
        .allowCredentials(true)
        .allowedMethod(HttpMethod.POST).allowedMethod(HttpMethod.GET).allowedMethod(HttpMethod.OPTIONS)
        .allowedHeader("authorization").allowedHeader("content-type").allowedHeader("convex-client")
        .maxAgeSeconds(3600);
    router.route("/api/*").handler(cors);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(1024 * 1024);
    router.post("/api/query").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> call(ctx, Optional.of(FunctionKind.QUERY)));
    router.post("/api/query_at_ts").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> call(ctx, Optional.of(FunctionKind.QUERY)));
    router.post("/api/mutation").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> call(ctx, Optional.of(FunctionKind.MUTATION)));
    router.post("/api/function").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> call(ctx, Optional.empty()));
    router.post("/api/action").handler(body).handler(JsonReplies::requireUtf8).handler(ctx -> reply(ctx, false, error(
        FunctionException.unsupported("Beacon has no actions: its built-in functions are queries "
            + "and mutations; call them with query() or mutation()"))));
    router.post("/api/query_ts").handler(ctx -> JsonReplies.reply(ctx, 200,
        "{\"ts\":" + Json.quote(ConvexValues.encodeInt64(timestamps.getAsLong())) + "}"));
  }

  private void call(RoutingContext ctx, Optional<FunctionKind> kind) {
    FunctionRequest request;
    try {
      request = FunctionRequest.parse(ctx.body().asString());
    } catch (IllegalArgumentException e) {
      JsonReplies.error(ctx, 400, e.getMessage());
      return;
    } catch (RuntimeException e) {
      JsonReplies.error(ctx, 400, "the request body must be a JSON function call");
      return;
    }
    Caller caller;
    FunctionDefinition def;
    try {
      caller = credentials.caller(Optional.ofNullable(ctx.request().getHeader("Authorization")));
      def = runner.functions().resolve(stripExtension(request.path()), kind, request.args());
    } catch (FunctionException e) {
      runner.refused(request.path(), e);
      reply(ctx, request.encoded(), error(e));
      return;
    }
    runner.run(ctx.vertx().getOrCreateContext(), def, caller, request.args()).onComplete(ar -> {
      if (ar.succeeded()) {
        reply(ctx, request.encoded(), success(ar.result()));
      } else if (ar.cause() instanceof FunctionException e) {
        reply(ctx, request.encoded(), error(e));
      } else {
        reply(ctx, request.encoded(), error(new FunctionException.Internal()));
      }
    });
  }

  /** Convex paths may name the module file: {@code presence.js:heartbeat}. */
  static String stripExtension(String path) {
    int colon = path.indexOf(':');
    String module = colon < 0 ? path : path.substring(0, colon);
    String rest = colon < 0 ? "" : path.substring(colon);
    for (String ext : new String[] {".js", ".ts", ".jsx", ".tsx"}) {
      if (module.endsWith(ext)) {
        return module.substring(0, module.length() - ext.length()) + rest;
      }
    }
    return path;
  }

  private static ObjectNode success(Functions.Result result) {
    ObjectNode out = NODES.objectNode();
    out.put("status", "success");
    out.set("value", ConvexValues.toJson(result.value()));
    out.putArray("logLines");
    return out;
  }

  private static ObjectNode error(FunctionException e) {
    ObjectNode out = NODES.objectNode();
    out.put("status", "error");
    out.put("errorMessage", e.getMessage());
    e.errorDataCode().ifPresent(code -> out.putObject("errorData").put("code", code));
    out.putArray("logLines");
    return out;
  }

  private static void reply(RoutingContext ctx, boolean encoded, ObjectNode body) {
    JsonReplies.reply(ctx, 200, Json.write((JsonNode) body));
  }
}
