// The live dashboard: polls this server's query API every 2 s (any instance answers for all channels) and redraws
// the table, the open alerts and two charts (uPlot, served by this server from its WebJar). No framework, no CDN.
(() => {
  'use strict';
  const POLL_MS = 2000;
  const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#65a30d', '#92400e',
    '#4b5563', '#9333ea', '#0f766e', '#a16207'];
  const DAY_S = 86400;
  const $ = (id) => document.getElementById(id);

  const state = {
    window: new URLSearchParams(location.search).get('window'),
    token: sessionStorage.getItem('cac-token'),
    list: null,
    alerts: null,
    histories: [],
    charts: {},
    timer: null,
    generation: 0,
    updates: 0,
  };

  // A token handed over in the address (#token=...) is kept for this tab only and removed from the address.
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    state.token = hash.get('token');
    sessionStorage.setItem('cac-token', state.token);
    history.replaceState(null, '', location.pathname + location.search);
  }

  class AuthNeeded extends Error {}

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    const r = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' });
    if (r.status === 401) throw new AuthNeeded('an access token is needed');
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON: reported below */ }
    if (!r.ok) throw new Error((body && body.message) || ('HTTP ' + r.status));
    return body;
  }

  // One refresh at a time: a window switch starts a new one, and whatever an older one brings back is dropped.
  async function refresh() {
    clearTimeout(state.timer);
    const generation = ++state.generation;
    const current = () => generation === state.generation;
    try {
      const [list, alerts] = await Promise.all([api('/api/v1/channels'), api('/api/v1/alerts?status=FIRING')]);
      const win = state.window && list.windows.includes(state.window) ? state.window : list.windows[0];
      const histories = await Promise.all(list.channels.map((c) => (c.windows[win]
        ? api('/api/v1/channels/' + encodeURIComponent(c.channel) + '/history?window=' + win).catch(() => null)
        : null)));
      if (!current()) return;
      Object.assign(state, { window: win, list, alerts, histories });
      render();
      state.updates += 1;
      document.body.dataset.updates = String(state.updates);
      setStatus('live · updated ' + new Date().toLocaleTimeString(), false);
    } catch (e) {
      if (!current()) return;
      if (e instanceof AuthNeeded) $('token-form').hidden = false;
      setStatus('cannot refresh: ' + e.message, true);
    } finally {
      if (current()) state.timer = setTimeout(refresh, POLL_MS);
    }
  }

  function setStatus(text, error) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', error);
  }

  function render() {
    renderWindows();
    renderAlerts();
    renderTable();
    renderCharts();
  }

  // ---- formatting: a null figure is undefined (shown as a dash), never 0 ----

  const dash = '—';
  function money(v, digits) {
    if (v === null || v === undefined) return dash;
    return new Intl.NumberFormat(undefined, {
      style: 'currency', currency: state.list.reportingCurrency, maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    }).format(v);
  }
  const count = (v) => (v === null || v === undefined ? dash : new Intl.NumberFormat().format(v));
  const ratio = (v) => (v === null || v === undefined ? dash : v.toFixed(2));
  const months = (v) => (v === null || v === undefined ? dash : v.toFixed(1) + ' mo');
  const percent = (v) => (v === null || v === undefined ? dash : (100 * v).toFixed(1) + ' %');
  const human = (s) => s.replace(/_/g, ' ').toLowerCase();

  function cell(row, text, cls, field) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    if (field) td.dataset.field = field;
    row.appendChild(td);
    return td;
  }

  // ---- window switch ----

  function renderWindows() {
    const nav = $('windows');
    const wanted = state.list.windows.join(',');
    if (nav.dataset.windows !== wanted) {
      nav.replaceChildren(...state.list.windows.map((w) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = w.replace('d', ' days');
        b.dataset.window = w;
        b.addEventListener('click', () => selectWindow(w));
        return b;
      }));
      nav.dataset.windows = wanted;
    }
    for (const b of nav.querySelectorAll('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.window === state.window));
    }
    $('window-label').textContent = 'over the last ' + state.window.replace('d', ' days');
  }

  function selectWindow(w) {
    state.window = w;
    const params = new URLSearchParams(location.search);
    params.set('window', w);
    history.replaceState(null, '', location.pathname + '?' + params + location.hash);
    renderWindows();
    renderTable();
    refresh();
  }

  // ---- table ----

  function renderTable() {
    const tbody = document.querySelector('#channels tbody');
    const rows = [];
    for (const c of state.list.channels) {
      const m = c.windows[state.window];
      if (!m) continue;
      const tr = document.createElement('tr');
      tr.dataset.channel = c.channel;
      tr.dataset.status = m.status;
      const name = cell(tr, c.channel === 'ALL' ? 'All channels' : c.channel, null, 'channel');
      name.title = c.channel;
      cell(tr, money(m.spend, 0), 'num', 'spend');
      cell(tr, count(m.newCustomers), 'num', 'newCustomers');
      cell(tr, money(m.cac, 2), 'num', 'cac');
      cell(tr, money(m.ltv, 2), 'num', 'ltv');
      const r = cell(tr, ratio(m.ltvToCac), 'num ratio status-' + m.status, 'ltvToCac');
      r.title = 'target ' + c.target + ':1';
      cell(tr, months(m.cacPaybackMonths), 'num', 'cacPaybackMonths');
      cell(tr, percent(m.monthlyChurnRate), 'num', 'monthlyChurnRate');
      const status = cell(tr, '', null, 'status');
      const badge = document.createElement('span');
      badge.className = 'badge status-' + m.status;
      badge.textContent = human(m.status);
      status.appendChild(badge);
      cell(tr, new Date(m.asOf).toISOString().replace('T', ' ').slice(0, 16) + ' UTC', 'muted', 'asOf');
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
    $('no-channels').hidden = rows.length > 0;
    for (const el of document.querySelectorAll('.currency')) el.textContent = state.list.reportingCurrency;
    $('target-label').textContent = state.list.target + ':1';
  }

  // ---- alerts ----

  function renderAlerts() {
    const items = state.alerts.alerts.map((a) => {
      const li = document.createElement('li');
      li.className = a.severity;
      li.dataset.dedupKey = a.dedupKey;
      li.dataset.severity = a.severity;
      const badge = document.createElement('span');
      badge.className = 'badge status-' + a.severity;
      badge.textContent = a.severity.toLowerCase();
      const text = document.createElement('span');
      text.textContent = ' ' + a.channel + ' · ' + a.windowDays + ' days · ' + human(a.rule)
        + (a.ratio === null ? '' : ' · LTV:CAC ' + ratio(a.ratio) + ' (target ' + a.threshold + ')');
      const since = document.createElement('span');
      since.className = 'since';
      since.textContent = 'since ' + new Date(a.startsAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
      li.append(badge, text, since);
      li.title = a.message;
      return li;
    });
    $('alerts').replaceChildren(...items);
    $('no-alerts').hidden = items.length > 0;
    $('alert-count').textContent = items.length ? '(' + items.length + ')' : '';
  }

  // ---- charts: one series per channel, x = the day of each history point ----

  function colour(channel, i) {
    return channel === 'ALL' ? '#111827' : PALETTE[i % PALETTE.length];
  }

  function chartData(field) {
    const channels = [];
    const byChannel = [];
    const days = new Set();
    state.list.channels.forEach((c, i) => {
      const h = state.histories[i];
      if (!h || !h.points.length) return;
      const values = new Map();
      for (const p of h.points) {
        // the day whose end the figures are as of (a window settled at midnight closes the day before)
        const day = Math.floor((Date.parse(p.asOf) - 1) / 1000 / DAY_S) * DAY_S;
        values.set(day, p[field]);
        days.add(day);
      }
      channels.push(c.channel);
      byChannel.push(values);
    });
    const xs = [...days].sort((a, b) => a - b);
    const data = [xs, ...byChannel.map((v) => xs.map((x) => (v.has(x) ? v.get(x) : null)))];
    return { channels, data };
  }

  function renderCharts() {
    drawChart('chart-ratio', 'ltvToCac', 'LTV:CAC', (v) => (v === null ? dash : v.toFixed(2)), true);
    drawChart('chart-cac', 'cac', 'CAC', (v) => money(v, 0), false);
  }

  function drawChart(id, field, label, fmt, withTarget) {
    const el = $(id);
    const { channels, data } = chartData(field);
    const target = state.list.target;
    if (withTarget) data.push(data[0].map(() => target));
    const key = state.window + '|' + channels.join(',');
    let chart = state.charts[id];
    if (chart && chart.key !== key) {
      chart.plot.destroy();
      chart = null;
    }
    if (!data[0].length) {
      el.dataset.points = '0';
      return;
    }
    if (!chart) {
      const series = [{ label: 'day' }].concat(channels.map((c, i) => ({
        label: c, stroke: colour(c, state.list.channels.findIndex((x) => x.channel === c)),
        width: c === 'ALL' ? 2.5 : 1.5, spanGaps: true, value: (u, v) => fmt(v), points: { show: false },
      })));
      if (withTarget) {
        series.push({ label: 'target ' + target + ':1', stroke: '#c62828', width: 1.5, dash: [6, 4],
          points: { show: false }, value: () => target + ':1' });
      }
      const opts = {
        width: Math.max(320, el.clientWidth - 8), height: 280, series,
        // LTV:CAC from 0 to at most 4x the target: a ratio of 50 on a small sample would flatten every other line
        scales: withTarget
          ? { x: { time: true }, y: { range: (u, min, max) => [0, Math.min(Math.max(max, 2 * target), 4 * target)] } }
          : { x: { time: true } },
        axes: [{}, { label, size: 70, values: (u, vals) => vals.map((v) => (field === 'cac' ? money(v, 0) : v)) }],
        legend: { live: true },
      };
      chart = { key, plot: new uPlot(opts, data, el) };
      state.charts[id] = chart;
    } else {
      chart.plot.setData(data);
    }
    el.dataset.points = String(data[0].length);
    el.dataset.series = channels.join(',');
    el.dataset.colours = chart.plot.series.slice(1, channels.length + 1).map((x) => x.stroke()).join(',');
  }

  window.addEventListener('resize', () => {
    for (const [id, c] of Object.entries(state.charts)) {
      c.plot.setSize({ width: Math.max(320, $(id).clientWidth - 8), height: 280 });
    }
  });

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('cac-token', state.token);
    $('token-form').hidden = true;
    refresh();
  });

  refresh();
})();
