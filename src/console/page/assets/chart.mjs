// The daily spend chart: one SVG bar per day of the window (zero days included), a y axis of
// credits with round steps, and day labels. Heights are worked out in integer micro-credits.
import { svgEl } from './dom.mjs';
import { formatCredits, microsToCredits, toMicros } from './format.mjs';

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 8, bottom: 26, left: 64 };
const STEPS = 4;
// The smallest scale drawn: a window that spent nothing still gets an axis up to 0.04 credits.
const MIN_STEP_MICROS = 10000n;

export function drawSpendChart(daily) {
  const costs = daily.map((point) => toMicros(point.cost) ?? 0n);
  const step = niceStep(costs.reduce((max, cost) => (cost > max ? cost : max), 0n));
  const top = step * BigInt(STEPS);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(daily.length, 1);
  const yOf = (micros) => MARGIN.top + plotHeight - Number((micros * 10000n) / top) / 10000 * plotHeight;

  const svg = svgEl('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `Daily spend in credits, ${daily.length} days`,
    'data-points': daily.length,
  });
  for (let index = 0; index <= STEPS; index++) {
    const micros = step * BigInt(index);
    const y = yOf(micros);
    svg.append(
      svgEl('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y }),
      svgEl('text', { x: MARGIN.left - 6, y: y + 4, 'text-anchor': 'end' }, formatCredits(microsToCredits(micros))),
    );
  }
  const labelEvery = daily.length <= 7 ? 1 : daily.length <= 14 ? 2 : 5;
  daily.forEach((point, index) => {
    const x = MARGIN.left + index * slot;
    const y = yOf(costs[index]);
    svg.append(
      svgEl(
        'rect',
        { class: 'bar', x: x + slot * 0.15, y, width: slot * 0.7, height: MARGIN.top + plotHeight - y, 'data-date': point.date, 'data-cost': point.cost },
        svgEl('title', {}, barTitle(point)),
      ),
    );
    if ((daily.length - 1 - index) % labelEvery === 0) {
      svg.append(svgEl('text', { x: x + slot / 2, y: HEIGHT - 8, 'text-anchor': 'middle' }, point.date.slice(5)));
    }
  });
  svg.append(svgEl('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight }));
  return svg;
}

function barTitle(point) {
  return (
    `${point.date}: ${formatCredits(point.cost)} credits ` +
    `(tokens ${formatCredits(point.tokens_cost)}, deployments ${formatCredits(point.deployments_cost)}), ${point.requests} requests`
  );
}

/** The smallest 1, 2 or 5 × 10^k micro-credits that, STEPS times, reaches the largest day. */
function niceStep(maxMicros) {
  const needed = (maxMicros + BigInt(STEPS) - 1n) / BigInt(STEPS);
  for (let power = MIN_STEP_MICROS; ; power *= 10n) {
    for (const factor of [1n, 2n, 5n]) {
      if (power * factor >= needed) return power * factor;
    }
  }
}
