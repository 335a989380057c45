package dev.beacon.core.push;

import dev.beacon.core.app.App;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one push to one device through its service; the server implements it for Web Push, APNs
 * and FCM. Must not block the caller: the answer completes the future, which never fails (an
 * error is a {@link Delivery.Retry} or {@link Delivery.Rejected}).
 */
public interface PushSender {

  CompletableFuture<Delivery> send(App app, OutboxEntry entry);
}
