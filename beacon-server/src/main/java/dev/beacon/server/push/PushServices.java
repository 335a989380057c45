package dev.beacon.server.push;

import dev.beacon.core.app.App;
import dev.beacon.core.push.Delivery;
import dev.beacon.core.push.OutboxEntry;
import dev.beacon.core.push.PushSender;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Every app's push services, made at start from its {@code push} settings (a bad key or file
 * stops the server naming it), behind the one {@link PushSender} port the dispatcher uses.
 */
public final class PushServices implements PushSender, AutoCloseable {

  private final PushHttp http;
  private final WebPushSender web;
  private final ApnsSender apns;
  private final FcmSender fcm;

  private PushServices(PushHttp http, WebPushSender web, ApnsSender apns, FcmSender fcm) {
    this.http = http;
    this.web = web;
    this.apns = apns;
    this.fcm = fcm;
  }

  /**
   * @throws IllegalArgumentException naming the app and key of a bad setting (a VAPID pair that
   *     does not match, an unreadable .p8 or service account file)
   */
  public static PushServices start(Iterable<App> apps) {
    Map<String, Vapid> vapids = new HashMap<>();
    for (App app : apps) {
      if (app.push().web().isPresent()) {
        try {
          Vapid v = new Vapid(app.push().web().get());
          vapids.put(app.id(), v);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("apps[" + app.id() + "]." + e.getMessage(), e);
        }
      }
    }
    PushHttp http = new PushHttp();
    try {
      FcmSender fcm = FcmSender.start(http, apps);
      ApnsSender apns = ApnsSender.start(apps);
      return new PushServices(http, new WebPushSender(http, vapids), apns, fcm);
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
  }

  /**
   * Development mode: every app without Web Push keys gets the key pair kept for it in the data
   * folder (made on first start), so the demo can subscribe browsers with no setup.
   */
  public static java.util.List<App> withDevelopmentKeys(java.util.List<App> apps,
      java.nio.file.Path dataDir) {
    java.util.List<App> out = new java.util.ArrayList<>(apps.size());
    for (App app : apps) {
      out.add(app.push().web().isPresent() ? app : app.toBuilder()
          .push(app.push().withWeb(Vapid.developmentKeys(dataDir, app.id()))).build());
    }
    return out;
  }

  @Override
  public CompletableFuture<Delivery> send(App app, OutboxEntry entry) {
    switch (entry.device().kind()) {
      case WEB:
        return web.send(app, entry);
      case APNS:
        return apns.send(app, entry);
      case FCM:
      default:
        return fcm.send(app, entry);
    }
  }

  @Override
  public void close() {
    apns.close();
    http.close();
  }
}
