package dev.beacon.core.outbox;

/**
 * What a push says, the same for every service.
 *
 * @param body empty when none
 * @param dataJson the app's data as JSON text ({@code null} JSON when none)
 * @param url a page to open when the push is tapped; empty when none
 */
public record PushContent(String title, String body, String dataJson, String url) {

  public PushContent {
    if (title == null || title.isEmpty()) {
      throw new IllegalArgumentException("a push needs a title");
    }
    body = body == null ? "" : body;
    dataJson = dataJson == null ? "null" : dataJson;
    url = url == null ? "" : url;
  }
}
