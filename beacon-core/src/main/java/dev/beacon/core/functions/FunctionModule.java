package dev.beacon.core.functions;

import java.util.List;

/**
 * A feature's functions as it hands them to the framework: each feature (presence, rooms,
 * notifications, ...) implements this, and the composition of the features registers it with
 * {@link Functions#register(FunctionModule...)}. The framework never knows which features exist.
 */
public interface FunctionModule {

  /** The feature's functions; their paths are unique across all modules. */
  List<FunctionDefinition> definitions();
}
