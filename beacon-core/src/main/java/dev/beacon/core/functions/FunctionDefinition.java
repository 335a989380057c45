package dev.beacon.core.functions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A built-in function: its path ({@code module:name}), kind, who may call it, its argument
 * validator, when it blocks (touches the database, so must not run on an event loop), and its
 * body. {@code blocksForCall}, when not null, tells per call (by its arguments) whether that call
 * may block, where {@code blocksFor} can only say it per app: a streamed chunk for a stream held
 * in memory is appended on the event loop, one that needs the store is not.
 */
public record FunctionDefinition(String path, FunctionKind kind, Access access, Validator.Obj args,
    java.util.function.Predicate<dev.beacon.core.app.App> blocksFor, Body body, ArgumentShape shape,
    java.util.function.BiPredicate<dev.beacon.core.app.App, JsonNode> blocksForCall) {

  /** A path's own definition, serving calls of any argument shape. */
  public FunctionDefinition(String path, FunctionKind kind, Access access, Validator.Obj args,
      java.util.function.Predicate<dev.beacon.core.app.App> blocksFor, Body body) {
    this(path, kind, access, args, blocksFor, body, ArgumentShape.ANY, null);
  }

  /** As the canonical constructor, deciding whether a call blocks per app only. */
  public FunctionDefinition(String path, FunctionKind kind, Access access, Validator.Obj args,
      java.util.function.Predicate<dev.beacon.core.app.App> blocksFor, Body body,
      ArgumentShape shape) {
    this(path, kind, access, args, blocksFor, body, shape, null);
  }

  /**
   * This definition serving only the calls of {@code shape}, beside the path's own definition
   * (see {@link ArgumentShape}).
   */
  public FunctionDefinition when(ArgumentShape shape) {
    return new FunctionDefinition(path, kind, access, args, blocksFor, body, shape, blocksForCall);
  }

  /**
   * This definition deciding per call whether it may block: {@code blocks} is asked with the
   * call's app and arguments (before they are validated: it must accept any JSON) on the thread
   * that receives the call, and must not block itself. A call it lets run on an event loop must
   * not block there either: its body must then not touch the store.
   */
  public FunctionDefinition blockingWhen(
      java.util.function.BiPredicate<dev.beacon.core.app.App, JsonNode> blocks) {
    return new FunctionDefinition(path, kind, access, args, blocksFor, body, shape, blocks);
  }

  /** Whether this definition serves one argument shape of its path, not every call. */
  public boolean isShape() {
    return shape != ArgumentShape.ANY;
  }

  /** Whether a call for this app may block (whatever its arguments). */
  public boolean blocking(dev.beacon.core.app.App app) {
    return blocksFor.test(app);
  }

  /** Whether this call (for this app, with these arguments) may block. */
  public boolean blocking(dev.beacon.core.app.App app, JsonNode callArgs) {
    return blocksForCall == null ? blocksFor.test(app) : blocksForCall.test(app, callArgs);
  }

  /** Blocks only for apps whose rooms are closed (their membership is read from the store). */
  public static final java.util.function.Predicate<dev.beacon.core.app.App> CLOSED_ROOMS =
      app -> !app.functions().openRooms();

  public static FunctionDefinition query(String path, Access access, Map<String, Validator> args,
      java.util.function.Predicate<dev.beacon.core.app.App> blocking, Body body) {
    return new FunctionDefinition(path, FunctionKind.QUERY, access, Validator.object(args), blocking, body);
  }

  public static FunctionDefinition mutation(String path, Access access, Map<String, Validator> args,
      java.util.function.Predicate<dev.beacon.core.app.App> blocking, Body body) {
    return new FunctionDefinition(path, FunctionKind.MUTATION, access, Validator.object(args), blocking, body);
  }

  /** A function body: returns a JSON value (or null). */
  @FunctionalInterface
  public interface Body {
    JsonNode run(Call call);
  }

  public static FunctionDefinition query(String path, Access access, Map<String, Validator> args,
      boolean blocking, Body body) {
    return new FunctionDefinition(path, FunctionKind.QUERY, access, Validator.object(args),
        app -> blocking, body);
  }

  public static FunctionDefinition mutation(String path, Access access, Map<String, Validator> args,
      boolean blocking, Body body) {
    return new FunctionDefinition(path, FunctionKind.MUTATION, access, Validator.object(args),
        app -> blocking, body);
  }
}
