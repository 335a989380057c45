package dev.beacon.server.push;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.core.functions.Caller;
import dev.beacon.protocol.convex.ConvexValues;
import dev.beacon.protocol.json.Json;
import dev.beacon.server.BeaconServer;
import java.util.Optional;

/** Function calls on a running server's first app, as a user or as its backend. */
record Calls(BeaconServer server) {

  JsonNode call(Caller caller, String path, String args) {
    var functions = server.builtIns().functions();
    return ConvexValues.toJson(functions.invoke(functions.resolve(path, Optional.empty()), caller,
        ConvexValues.fromJson(Json.parse(args))).value());
  }

  Caller user(String id) {
    return Caller.user(server.config().apps().get(0), id);
  }

  Caller backend() {
    return Caller.backend(server.config().apps().get(0));
  }
}
