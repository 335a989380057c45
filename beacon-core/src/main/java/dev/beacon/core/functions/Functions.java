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

  /** Adds every function of each feature module. */
  public Functions register(FunctionModule... modules) {
    for (FunctionModule module : modules) {
      registerAll(module.definitions());
    }
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
    return invoke(def, caller, args, java.util.Optional.empty());
  }

  /** The outcome of a query evaluation: a value or an error, and what was read either way. */
  public record Evaluation(JsonNode value, java.util.Optional<FunctionException> error,
      Set<DependencyKey> reads) {
    public boolean failed() {
      return error.isPresent();
    }
  }

  /** Runs a call, catching its failure, so that a live query knows what a failed run read. */
  public Evaluation evaluate(FunctionDefinition def, Caller caller, JsonNode args) {
    Call[] call = new Call[1];
    try {
      Result r = invoke(def, caller, args, java.util.Optional.empty(), c -> call[0] = c);
      return new Evaluation(r.value(), java.util.Optional.empty(), r.reads());
    } catch (FunctionException e) {
      return new Evaluation(NullNode.getInstance(), java.util.Optional.of(e),
          call[0] == null ? Set.of() : call[0].reads());
    }
  }

  /**
   * Runs a call carrying a request key (a sync session's id and request id): functions that
   * create records use it so that a retried mutation creates nothing twice.
   */
  public Result invoke(FunctionDefinition def, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey) {
    return invoke(def, caller, args, requestKey, c -> { });
  }

  private Result invoke(FunctionDefinition def, Caller caller, JsonNode args,
      java.util.Optional<String> requestKey, java.util.function.Consumer<Call> started) {
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
    Call call = new Call(caller, new Args(args), clock.millis(), requestKey);
    started.accept(call);
    JsonNode value = def.body().run(call);
    return new Result(value == null ? NullNode.getInstance() : value, call.reads());
  }
}
