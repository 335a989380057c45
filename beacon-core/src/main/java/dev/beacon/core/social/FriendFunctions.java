package dev.beacon.core.social;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.functions.Access;
import dev.beacon.core.functions.Call;
import dev.beacon.core.functions.FunctionDefinition;
import dev.beacon.core.functions.FunctionModule;
import dev.beacon.core.functions.Validator;
import java.util.List;
import java.util.Map;

/**
 * {@code friends:*}: the friend graph, set by the app's backend only. Friendship is directed: a
 * user's list is whom it follows; a backend wanting mutual friendship adds both directions.
 */
public final class FriendFunctions implements FunctionModule {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final FriendGraph graph;

  public FriendFunctions(FriendGraph graph) {
    this.graph = graph;
  }

  @Override
  public List<FunctionDefinition> definitions() {
    return List.of(
        FunctionDefinition.mutation("friends:set", Access.BACKEND, Map.of(
            "userId", Validator.userId(),
            "friendIds", Validator.array(Validator.userId(), FriendGraph.MAX_FRIENDS)), true, call -> {
              graph.set(call.appId(), call.args().string("userId"), call.args().strings("friendIds"),
                  call.now());
              return NODES.nullNode();
            }),
        FunctionDefinition.mutation("friends:add", Access.BACKEND, Map.of(
            "userId", Validator.userId(), "friendId", Validator.userId()), true, call ->
            NODES.booleanNode(graph.add(call.appId(), call.args().string("userId"),
                call.args().string("friendId"), call.now()))),
        FunctionDefinition.mutation("friends:remove", Access.BACKEND, Map.of(
            "userId", Validator.userId(), "friendId", Validator.userId()), true, call ->
            NODES.booleanNode(graph.remove(call.appId(), call.args().string("userId"),
                call.args().string("friendId")))),
        FunctionDefinition.query("friends:list", Access.BACKEND, Map.of(
            "userId", Validator.userId()), true, this::list));
  }

  private JsonNode list(Call call) {
    String user = call.args().string("userId");
    call.read("friends", user);
    ArrayNode out = NODES.arrayNode();
    graph.friendsOf(call.appId(), user).forEach(out::add);
    return out;
  }
}
