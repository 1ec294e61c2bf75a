// DOM building for data from the server: every string goes in as a text node or an
// attribute value, never as HTML, so nothing the server or an account sent can become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';

export const byId = (id) => document.getElementById(id);

export function el(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

export function svgEl(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Replaces what the element with this id holds. */
export function show(id, ...children) {
  byId(id).replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

export function showMessage(id, text, kind = 'error') {
  const node = byId(id);
  node.textContent = text;
  node.className = text ? kind : '';
}

/** A definition list from [term, value, bigValue?] rows. */
export function definitions(rows) {
  return rows.flatMap(([term, value, big]) => [el('dt', {}, term), el('dd', { class: big ? 'big' : null }, value)]);
}

/**
 * A table of rows; columns are { label, value: (row) => string, number?: true }. An empty list
 * shows the sentence given instead.
 */
export function table(columns, rows, emptyText) {
  if (rows.length === 0) return el('p', { class: 'empty' }, emptyText);
  const cell = (tag, column, text) => el(tag, { class: column.number ? 'number' : null }, text);
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...columns.map((column) => cell('th', column, column.label)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...columns.map((column) => cell('td', column, String(column.value(row))))))),
  );
}
