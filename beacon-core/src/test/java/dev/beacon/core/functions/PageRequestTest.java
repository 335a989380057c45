package dev.beacon.core.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beacon.core.store.Ids;
import dev.beacon.protocol.json.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRequestTest {

  /** Ten ids, newest first, as a store returns them. */
  static final List<String> ITEMS = new ArrayList<>();

  static {
    Ids ids = new Ids();
    for (int i = 0; i < 10; i++) {
      ITEMS.add(0, ids.next(1_700_000_000_000L + i));
    }
  }

  static PageRequest request(String argsJson) {
    JsonNode args = Json.parse(argsJson);
    Validator.object(PageRequest.arguments()).check(args, "");
    return PageRequest.of(new Args(args), 20, 100);
  }

  /** What a store returns for the request: items below the cursor, as many as asked. */
  static JsonNode page(PageRequest request) {
    List<String> below = ITEMS.stream()
        .filter(id -> request.cursor().map(c -> id.compareTo(c) < 0).orElse(true))
        .limit(request.fetch()).toList();
    return request.result(below, id -> id, id -> JsonNodeFactory.instance.textNode(id));
  }

  static String opts(int numItems, String cursor) {
    return "{\"paginationOpts\":{\"numItems\":" + numItems + ",\"cursor\":"
        + (cursor == null ? "null" : "\"" + cursor + "\"") + ",\"id\":1}}";
  }

  @Test
  void paginationOptsPageThroughEverythingAsUsePaginatedQueryAsks() {
    JsonNode first = page(request(opts(4, null)));
    assertThat(first.get("page")).hasSize(4);
    assertThat(first.get("page").get(0).asText()).isEqualTo(ITEMS.get(0));
    assertThat(first.get("isDone").asBoolean()).isFalse();
    assertThat(first.get("continueCursor").asText()).isEqualTo(ITEMS.get(3));
    JsonNode second = page(request(opts(4, first.get("continueCursor").asText())));
    assertThat(second.get("page").get(0).asText()).isEqualTo(ITEMS.get(4));
    JsonNode third = page(request(opts(4, second.get("continueCursor").asText())));
    assertThat(third.get("page")).hasSize(2);
    assertThat(third.get("isDone").asBoolean()).isTrue();
  }

  @Test
  void limitAndCursorStillPage() {
    JsonNode first = page(request("{\"limit\":3}"));
    JsonNode second = page(request("{\"limit\":3,\"cursor\":\"" + first.get("continueCursor").asText() + "\"}"));
    assertThat(second.get("page").get(0).asText()).isEqualTo(ITEMS.get(3));
  }

  @Test
  void anEndCursorHoldsThePageToItsEndHoweverManyItemsItHolds() {
    PageRequest r = request("{\"paginationOpts\":{\"numItems\":2,\"cursor\":null,\"endCursor\":\""
        + ITEMS.get(3) + "\"}}");
    JsonNode page = page(r);
    assertThat(page.get("page")).hasSize(4);
    assertThat(page.get("continueCursor").asText()).isEqualTo(ITEMS.get(3));
    assertThat(page.get("isDone").asBoolean()).isFalse();
    assertThat(page.has("splitCursor")).isFalse();
    // grown past twice its numItems: usePaginatedQuery is told where to split it
    JsonNode grown = page(request("{\"paginationOpts\":{\"numItems\":2,\"cursor\":null,\"endCursor\":\""
        + ITEMS.get(7) + "\"}}"));
    assertThat(grown.get("page")).hasSize(8);
    assertThat(grown.get("splitCursor").asText()).isEqualTo(ITEMS.get(3));
    assertThat(grown.get("pageStatus").asText()).isEqualTo("SplitRecommended");
  }

  @Test
  void badPaginationIsAnArgumentError() {
    assertThatThrownBy(() -> request("{\"paginationOpts\":{\"numItems\":2.5,\"cursor\":null}}"))
        .isInstanceOf(ArgumentValidationException.class).hasMessageContaining("numItems");
    assertThatThrownBy(() -> request("{\"paginationOpts\":{\"numItems\":2,\"cursor\":null},\"limit\":3}"))
        .isInstanceOf(ArgumentValidationException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> request("{\"paginationOpts\":{\"numItems\":2,\"cursor\":\"nope\"}}"))
        .isInstanceOf(ArgumentValidationException.class).hasMessageContaining("paginationOpts.cursor");
    assertThatThrownBy(() -> request("{\"paginationOpts\":{\"cursor\":null}}"))
        .isInstanceOf(ArgumentValidationException.class).hasMessageContaining("numItems");
  }
}
