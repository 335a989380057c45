package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.beacon.core.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry of built-in functions and the one way to call them: find by path, check the kind,
 * validate the arguments against the declaration, check access, run.
 */
public final class Functions {

  private final Map<String, FunctionDefinition> byPath = new LinkedHashMap<>();
  private final Clock clock;

  public Functions(Clock clock) {
    this.clock = clock;
  }

  /** Adds a function; paths are unique. */
  public Functions register(FunctionDefinition definition) {
    if (byPath.putIfAbsent(definition.path(), definition) != null) {
      throw new IllegalArgumentException("function " + definition.path() + " is defined twice");
    }
    return this;
  }

  public Functions registerAll(Collection<FunctionDefinition> definitions) {
    definitions.forEach(this::register);
    return this;
  }

  public Optional<FunctionDefinition> find(String path) {
    return Optional.ofNullable(byPath.get(path));
  }

  public Collection<FunctionDefinition> all() {
    return byPath.values();
  }

  /** The result of a call, and what it read. */
  public record Result(JsonNode value, Set<DependencyKey> reads) {}

  /**
   * Looks up {@code path} and checks it is of the kind called (empty: any kind, as {@code
   * /api/function} allows).
   *
   * @throws FunctionException for an unknown function or the wrong kind
   */
  public FunctionDefinition resolve(String path, Optional<FunctionKind> kind) {
    FunctionDefinition def = byPath.get(path);
    if (def == null) {
      throw FunctionException.unknownFunction(path);
    }
    if (kind.isPresent() && kind.get() != def.kind()) {
      throw FunctionException.wrongKind(path, def.kind().label(), kind.get().label());
    }
    return def;
  }

  /**
   * Validates and runs a call. Call it on a thread that may block when {@code def.blocking()}.
   *
   * @throws FunctionException when the call is refused or fails
   */
  public Result invoke(FunctionDefinition def, Caller caller, JsonNode args) {
    def.args().check(args, "");
    switch (def.access()) {
      case BACKEND:
        if (!caller.trusted()) {
          throw FunctionException.forbidden(def.path() + " may only be called by the app's backend "
              + "(Authorization: Convex <admin key>)");
        }
        break;
      case USER:
        if (!caller.trusted() && caller.userId().isEmpty()) {
          throw FunctionException.unauthenticated(def.path()
              + " needs a signed-in user (Authorization: Bearer <JWT>)");
        }
        break;
      case PUBLIC:
      default:
        break;
    }
    Call call = new Call(caller, new Args(args), clock.millis());
    JsonNode value = def.body().run(call);
    return new Result(value == null ? NullNode.getInstance() : value, call.reads());
  }
}
