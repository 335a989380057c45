// The "Reconnecting…" banner: shown while either client has lost the server after having had it,
// hidden again once both are back. pusher-js and the Convex client each reconnect on their own;
// when the Convex client is back first, pusher-js is told to try at once rather than wait out its
// back-off.
import { $ } from '../shared/dom.js';

export function watchConnections(pusher, convex) {
  const banner = $('#banner');
  let pusherUp = false;
  let pusherEverUp = false;
  let convexUp = false;
  let convexEverUp = false;

  const render = () => {
    const lost = (pusherEverUp && !pusherUp) || (convexEverUp && !convexUp);
    banner.hidden = !lost;
    document.body.dataset.connection = lost ? 'reconnecting' : (pusherUp && convexUp ? 'connected' : 'connecting');
  };

  pusher.connection.bind('state_change', ({ current }) => {
    pusherUp = current === 'connected';
    pusherEverUp ||= pusherUp;
    render();
  });
  pusherUp = pusher.connection.state === 'connected';
  pusherEverUp = pusherUp;

  const onConvex = (state) => {
    const wasUp = convexUp;
    convexUp = state.isWebSocketConnected;
    convexEverUp ||= state.hasEverConnected || convexUp;
    // the server is back: pusher-js may be waiting out a long retry delay, so try it now
    if (convexUp && !wasUp && pusherEverUp && !pusherUp) {
      // connect() alone is ignored while an attempt or a back-off is pending: start over
      pusher.disconnect();
      pusher.connect();
    }
    render();
  };
  convex.subscribeToConnectionState(onConvex);
  onConvex(convex.connectionState());
}
