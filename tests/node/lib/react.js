'use strict';

// React components rendered the way a browser app renders them — react-dom into a jsdom document,
// with `ConvexReactClient` and the hooks of `convex/react` and `@convex-dev/presence/react` — so
// that tests run the hooks' own code against Beacon, unchanged.
//
// The hooks are ES modules: they and `convex/react` are loaded with import(), so that the
// provider and the hooks share one module instance (one React context).

const { JSDOM } = require('jsdom');
const WebSocket = require('ws');
const { ValueLog } = require('./wait');

let dom;

/**
 * Installs one jsdom window as the page's globals (window, document, navigator), with a
 * `navigator.sendBeacon` that sends what a browser's does: a POST of the blob with its type and
 * no credentials, which nobody waits for. Returns the page, whose `beacons` lists what was sent.
 */
function installPage() {
  if (dom) {
    return dom.page;
  }
  dom = new JSDOM('<!doctype html><html><body></body></html>', {
    url: 'http://app.example/',
    pretendToBeVisual: true,
  });
  const { window } = dom;
  const page = { window, beacons: [], hidden: false };
  Object.defineProperty(window.document, 'hidden', { configurable: true, get: () => page.hidden });
  Object.defineProperty(window.document, 'visibilityState', {
    configurable: true,
    get: () => (page.hidden ? 'hidden' : 'visible'),
  });
  window.navigator.sendBeacon = (url, data) => {
    const sent = fetch(url, {
      method: 'POST',
      body: data,
      headers: data?.type ? { 'content-type': data.type } : {},
      keepalive: true,
    }).then((r) => r.json()).catch((e) => ({ error: e.message }));
    page.beacons.push({ url, sent });
    return true;
  };
  globalThis.window = window;
  globalThis.document = window.document;
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: window.navigator });
  globalThis.IS_REACT_ACT_ENVIRONMENT = false;
  /** Hides or shows the tab: the document's visibility moves and `visibilitychange` fires. */
  page.setHidden = (hidden) => {
    page.hidden = hidden;
    window.document.dispatchEvent(new window.Event('visibilitychange'));
  };
  /** The page is being left: `beforeunload` fires on the window. */
  page.unload = () => window.dispatchEvent(new window.Event('beforeunload'));
  dom.page = page;
  return page;
}

/** `convex/react`, `@convex-dev/presence/react`, React and react-dom/client, loaded once. */
async function modules() {
  installPage();
  const [convexReact, presenceReact, React, ReactDomClient] = await Promise.all([
    import('convex/react'),
    import('@convex-dev/presence/react'),
    import('react'),
    import('react-dom/client'),
  ]);
  return {
    ...convexReact,
    usePresence: presenceReact.default,
    React: React.default ?? React,
    createRoot: ReactDomClient.createRoot ?? ReactDomClient.default.createRoot,
  };
}

/** A development token for `user` from the test server. */
async function devToken(server, user) {
  const response = await fetch(`${server.httpUrl}/dev/token?user=${encodeURIComponent(user)}`);
  return (await response.json()).token;
}

/**
 * A `ConvexReactClient` for the test server, signed in as `user` (development tokens) or signed
 * out when `user` is null.
 */
async function reactClient(server, user, url = server.httpUrl) {
  const { ConvexReactClient } = await modules();
  const client = new ConvexReactClient(url, {
    webSocketConstructor: WebSocket,
    logger: false,
    unsavedChangesWarning: false,
  });
  if (user) {
    client.setAuth(async () => devToken(server, user));
  }
  return client;
}

/**
 * Renders `useHook()` inside a `ConvexProvider` for `client` and records every value it returns;
 * `next(predicate)` waits for a value for which the predicate holds.
 */
async function renderHook(client, useHook) {
  const { ConvexProvider, React, createRoot } = await modules();
  const log = new ValueLog();
  function Probe() {
    const value = useHook();
    React.useEffect(() => log.push(value));
    return null;
  }
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  root.render(React.createElement(ConvexProvider, { client }, React.createElement(Probe)));
  return {
    values: log.values,
    get current() {
      return log.current;
    },
    next: (predicate, timeoutMs) => log.next(predicate, timeoutMs),
    unmount() {
      root.unmount();
      container.remove();
    },
  };
}

module.exports = { installPage, modules, devToken, reactClient, renderHook };
