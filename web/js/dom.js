// dom.js: the only way the playground builds elements.
//
// Why: crawled pages are hostile input. Every string that reaches the page goes through
// `textContent` / text nodes / `value` here, never innerHTML, so a title such as
// `<img src=x onerror=...>` is shown as those characters and nothing runs. Keeping element
// creation in one helper makes that rule easy to check: `el` refuses HTML-setting
// properties and event-handler attributes outright.

/**
 * Creates an element. `props`: `class`, `text`, `title`, `dataset` (object), `attrs`
 * (object of attribute strings; `href` only if http(s)), `on` (object of listeners),
 * and any other key is set as a property (e.g. `value`, `type`, `checked`).
 * `children`: nodes or strings (strings become text nodes).
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (/html/i.test(key)) throw new Error(`el(): ${key} would parse markup; use text`);
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) {
        if (/^on/i.test(name) || name.toLowerCase() === 'srcdoc') throw new Error(`el(): attribute ${name} is not allowed`);
        if (name === 'href' && !isWebUrl(v)) continue;
        node.setAttribute(name, String(v));
      }
    } else node[key] = value;
  }
  append(node, children);
  return node;
}

/** Appends nodes or strings (as text nodes) to `parent`. */
export function append(parent, children) {
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Whether `url` is an absolute http(s) URL (safe to put in an href). */
export function isWebUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `document.getElementById`, failing loudly when the page and the script disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`playground: no element #${id}`);
  return node;
}
