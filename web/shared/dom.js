// Tiny DOM helpers shared by the demo and the dashboard. User data only ever goes in as text.

/** Creates an element: el('li', { class: 'x', dataset: { user: 'a' } }, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'onclick') node.addEventListener('click', value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector) => document.querySelector(selector);

/** "just now", "3 min ago", "2 h ago", "4 days ago". */
export function timeAgo(millis, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - millis) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** A stable colour for a user id, so each person keeps theirs in every window. */
export function colourOf(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 55% 45%)`;
}

/** A round avatar with the user's initials. */
export function face(userId, { online = true, title } = {}) {
  return el('span', {
    class: `face${online ? '' : ' away-face'}`,
    style: `background:${colourOf(userId)}`,
    title: title ?? userId,
    dataset: { user: userId, online: String(online) },
  }, userId.slice(0, 2).toUpperCase());
}
