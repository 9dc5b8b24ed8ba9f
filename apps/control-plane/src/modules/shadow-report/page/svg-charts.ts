// Server-side SVG charts for the report page: no external asset, colours from the
// page's stylesheet through classes (the CSP allows no style attributes). Every chart has a
// <title> and a <desc>, and the page puts the same numbers in a table next to it.

import { escapeHtml } from '../../../platform/http/strict-page.js';

export { escapeHtml };

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
export const formatNumber = (n: number): string => number.format(n);

export interface Series {
  readonly name: string;
  /** A colour class of the stylesheet (`c0`…`c8`). */
  readonly cls: string;
  readonly values: readonly number[];
}

/** A round axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten (at least 1). */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const W = 760;
const H = 260;
const M = { top: 16, right: 12, bottom: 40, left: 56 };

function frame(id: string, title: string, desc: string, body: string, width = W, height = H): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" class="chart">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>${body}</svg>`
  );
}

function yAxis(top: number, max: number, plotHeight: number, plotLeft: number, plotRight: number): string {
  let out = '';
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight - fraction * plotHeight;
    out += `<line class="grid" x1="${plotLeft}" x2="${plotRight}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`;
    out += `<text class="tick" x="${plotLeft - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatNumber(fraction * max)}</text>`;
  }
  return out;
}

/** Which bars get an axis label, and what it says (default: about 16 labels, evenly spread). */
export type TickLabel = (label: string, index: number, count: number) => string | undefined;

const evenly: TickLabel = (label, i, count) => (i % Math.ceil(count / 16) === 0 ? (label.length > 10 ? label.slice(5) : label) : undefined);

/** Stacked vertical bars: one bar per label, one segment per series. */
export function stackedBars(id: string, title: string, labels: readonly string[], series: readonly Series[], tick: TickLabel = evenly): string {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / Math.max(1, labels.length);
  const barW = Math.max(1, slot * 0.7);
  let body = yAxis(M.top, max, plotH, M.left, W - M.right);
  labels.forEach((label, i) => {
    const x = M.left + i * slot + (slot - barW) / 2;
    let y = M.top + plotH;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = (v / max) * plotH;
      y -= h;
      body += `<rect class="${s.cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(`${label} · ${s.name}: ${formatNumber(v)}`)}</title></rect>`;
    }
    const text = tick(label, i, labels.length);
    if (text !== undefined) body += `<text class="tick" x="${(x + barW / 2).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeHtml(text)}</text>`;
  });
  const desc = `${labels.length} bars, ${series.length} series; the largest bar is ${formatNumber(Math.max(0, ...totals))}. The table that follows has every number.`;
  return frame(id, title, desc, body);
}

/** Plain vertical bars (e.g. calls per hour). */
export function bars(id: string, title: string, labels: readonly string[], values: readonly number[], tick?: TickLabel, cls = 'c0'): string {
  return stackedBars(id, title, labels, [{ name: 'calls', cls, values }], tick);
}

/** Horizontal bars, largest first as given (e.g. would-be blocks by rule). */
export function horizontalBars(id: string, title: string, items: readonly { label: string; value: number; cls: string }[]): string {
  const rowH = 26;
  const left = 220;
  const height = M.top + items.length * rowH + 24;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const plotW = W - left - 70;
  let body = '';
  items.forEach((item, i) => {
    const y = M.top + i * rowH;
    const w = Math.max(item.value > 0 ? 1 : 0, (item.value / max) * plotW);
    const label = item.label.length > 32 ? `${item.label.slice(0, 31)}…` : item.label;
    body += `<text class="label" x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(label)}</text>`;
    body += `<rect class="${item.cls}" x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}"><title>${escapeHtml(`${item.label}: ${formatNumber(item.value)}`)}</title></rect>`;
    body += `<text class="value" x="${(left + w + 6).toFixed(1)}" y="${y + 17}">${formatNumber(item.value)}</text>`;
  });
  const desc = `${items.length} bars, one per rule; the table that follows has every number.`;
  return frame(id, title, desc, body, W, Math.max(height, 60));
}
