// The Labbook dashboard: one page, one view per URL hash (#/runs?where=..., #/run/ID, #/compare?runs=...).
// Every piece of workspace text reaches the page through textContent (the h() helper), never as HTML.
'use strict';

(function () {
  const view = document.getElementById('view');
  const liveBadge = document.getElementById('live');

  // ---------- small helpers ----------

  /** Creates an element; string children become text nodes, so data is never parsed as HTML. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  async function api(path) {
    const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }

  /** Numbers from the API: finite numbers, or the strings "nan", "inf", "-inf". */
  function num(v) {
    if (typeof v === 'number') return v;
    if (v === 'nan') return NaN;
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    return undefined;
  }

  function fmt(v) {
    v = num(v);
    if (v === undefined) return '';
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
  }

  function paramText(v) {
    if (v === null || v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function duration(s) {
    if (s === undefined) return '';
    s = Math.round(s);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
  }

  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  function runLink(id, label) {
    return h('a', { href: '#/run/' + encodeURIComponent(id) }, label || id);
  }

  function fileHref(id, path) {
    return '/api/runs/' + encodeURIComponent(id) + '/files/' + path.split('/').map(encodeURIComponent).join('/');
  }

  function route() {
    const hash = location.hash.replace(/^#/, '') || '/runs';
    const [path, query] = hash.split('?');
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
  }

  function setParams(params) {
    const { parts } = route();
    const q = params.toString();
    history.replaceState(null, '', '#/' + parts.map(encodeURIComponent).join('/') + (q ? '?' + q : ''));
  }

  // ~20+ colours that stay apart on white (Tableau 10 followed by darker and lighter companions).
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
    '#393b79', '#ad494a', '#637939', '#8c6d31', '#7b4173', '#3182bd', '#e6550d', '#31a354', '#756bb1', '#636363',
    '#843c39', '#5254a3', '#b5cf6b', '#e7ba52', '#d6616b', '#ce6dbd', '#9c9ede', '#6baed6', '#fd8d3c', '#74c476'];

  // ---------- live updates ----------

  const listeners = new Set();
  function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
  let source = null;
  function connectLive() {
    if (!window.EventSource) return;
    source = new EventSource('/api/events');
    source.addEventListener('open', () => { liveBadge.textContent = 'live'; liveBadge.className = 'live on'; });
    source.addEventListener('error', () => { liveBadge.textContent = 'offline'; liveBadge.className = 'live off'; });
    source.addEventListener('change', (e) => {
      let change;
      try { change = JSON.parse(e.data); } catch { return; }
      for (const fn of [...listeners]) fn(change);
    });
  }

  // ---------- runs store (all runs, kept current by change events) ----------

  const store = { runs: new Map(), order: [], loaded: null };
  function loadRuns() {
    if (!store.loaded) {
      store.loaded = api('/api/runs').then((body) => {
        for (const r of body.runs) store.runs.set(r.id, r);
        store.order = body.runs.map((r) => r.id);
        return store;
      });
    }
    return store.loaded;
  }
  async function refreshRuns(ids) {
    if (!ids.length) return;
    const body = await api('/api/runs?ids=' + encodeURIComponent(ids.join(',')));
    const present = new Set(body.runs.map((r) => r.id));
    for (const r of body.runs) {
      if (!store.runs.has(r.id)) store.order.push(r.id);
      store.runs.set(r.id, r);
    }
    for (const id of ids) {
      if (!present.has(id) && store.runs.has(id)) {
        store.runs.delete(id);
        store.order = store.order.filter((x) => x !== id);
      }
    }
  }
  onChange((c) => {
    if (store.loaded && c.runs && c.runs.length) {
      refreshRuns(c.runs).then(() => { for (const fn of [...runListeners]) fn(c.runs); }).catch(() => {});
    }
  });
  const runListeners = new Set();

  // ---------- Runs view ----------

  const ROW = 28;

  function runsView(params) {
    let selected = new Set((params.get('sel') || '').split(',').filter(Boolean));
    let sortKey = params.get('sort') || '';
    let matching = null; // null: no filter; else Set of ids
    let rows = [];
    let columns = [];

    const filter = h('input', { type: 'text', id: 'filter', placeholder: 'filter: val_loss < 0.2, lr = 0.001, status = failed, tag = baseline, or a word', value: params.get('where') || '' });
    const count = h('span', { class: 'count', id: 'count' });
    const err = h('span', { class: 'error', id: 'filter-error' });
    const compareBtn = h('button', { id: 'compare', onclick: () => { location.hash = '#/compare?runs=' + [...selected].map(encodeURIComponent).join(','); } });
    const differ = h('input', { type: 'checkbox', id: 'differ' });
    differ.checked = params.get('differ') !== '0';
    const grid = h('div', { class: 'grid', id: 'runs-grid' });
    const head = h('div', { class: 'hrow' });
    const body = h('div', { class: 'body' });
    grid.append(head, body);
    view.replaceChildren(
      h('div', { class: 'toolbar' }, filter, count, err, compareBtn, h('label', {}, differ, ' only parameters that differ')),
      grid);

    function updateUrl() {
      const p = new URLSearchParams();
      if (filter.value.trim()) p.set('where', filter.value.trim());
      if (sortKey) p.set('sort', sortKey);
      if (selected.size) p.set('sel', [...selected].join(','));
      if (!differ.checked) p.set('differ', '0');
      setParams(p);
    }

    function metricValue(r, m) { const x = r.metrics && r.metrics[m]; return x ? num(x.last) : undefined; }

    function buildColumns(all) {
      const paramKeys = new Map();
      const metricKeys = new Map();
      for (const r of all) {
        for (const [k, v] of Object.entries(r.params || {})) {
          if (!paramKeys.has(k)) paramKeys.set(k, new Set());
          paramKeys.get(k).add(paramText(v));
        }
        for (const k of Object.keys(r.metrics || {})) metricKeys.set(k, (metricKeys.get(k) || 0) + 1);
      }
      const cols = [
        { key: 'sel', label: '', width: 30, cell: (r) => { const c = h('input', { type: 'checkbox', class: 'pick' }); c.checked = selected.has(r.id); c.addEventListener('change', () => toggle(r.id, c.checked)); return c; } },
        { key: 'status', label: 'status', width: 84, value: (r) => r.status, cell: (r) => h('span', { class: 'status status-' + r.status }, r.status) },
        { key: 'name', label: 'name', width: 180, value: (r) => r.name || '', cell: (r) => runLink(r.id, r.name || r.id) },
        { key: 'id', label: 'id', width: 120, value: (r) => r.id, cell: (r) => r.id },
        { key: 'entry', label: 'entry', width: 60, value: (r) => r.entry || '', cell: (r) => r.entry || '' },
        { key: 'study', label: 'study/trial', width: 110, value: (r) => (r.study ? r.study + '#' + String(r.trial ?? '').padStart(6, '0') : ''), cell: (r) => (r.study ? r.study + (r.trial !== undefined ? ' #' + r.trial : '') : '') },
        { key: 'tags', label: 'tags', width: 120, value: (r) => (r.tags || []).join(','), cell: (r) => (r.tags || []).map((t) => h('span', { class: 'tag' }, t)) },
        { key: 'duration', label: 'duration', width: 80, num: true, value: (r) => r.duration_s, cell: (r) => duration(r.duration_s) },
        { key: 'started', label: 'start', width: 150, value: (r) => r.started || '', cell: (r) => when(r.started) },
      ];
      for (const [k, values] of [...paramKeys].sort((a, b) => a[0].localeCompare(b[0]))) {
        if (differ.checked && values.size < 2 && all.length > 1) continue;
        cols.push({ key: 'p:' + k, label: k, width: 90, num: true, value: (r) => { const v = r.params ? r.params[k] : undefined; return typeof v === 'number' ? v : paramText(v); }, cell: (r) => paramText(r.params ? r.params[k] : undefined) });
      }
      for (const [k] of [...metricKeys].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        cols.push({ key: 'm:' + k, label: k, width: 96, num: true, value: (r) => metricValue(r, k), cell: (r) => fmt(r.metrics[k] ? r.metrics[k].last : undefined) });
      }
      return cols;
    }

    function toggle(id, on) {
      if (on) selected.add(id); else selected.delete(id);
      updateCompare();
      updateUrl();
      for (const row of body.children) if (row.dataset.id === id) row.classList.toggle('selected', on);
    }

    function updateCompare() {
      compareBtn.textContent = `Compare ${selected.size} selected`;
      compareBtn.disabled = selected.size === 0;
    }

    function compareValues(a, b) {
      const an = a === undefined || a === '' || (typeof a === 'number' && Number.isNaN(a));
      const bn = b === undefined || b === '' || (typeof b === 'number' && Number.isNaN(b));
      if (an || bn) return an === bn ? 0 : an ? 1 : -1; // blanks last either way
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      return String(a).localeCompare(String(b), undefined, { numeric: true });
    }

    function recompute() {
      const all = store.order.map((id) => store.runs.get(id)).filter(Boolean);
      columns = buildColumns(all);
      rows = matching ? all.filter((r) => matching.has(r.id)) : all.slice();
      if (sortKey) {
        const desc = sortKey.startsWith('-');
        const key = desc ? sortKey.slice(1) : sortKey;
        const col = columns.find((c) => c.key === key);
        if (col && col.value) {
          rows.sort((a, b) => {
            const va = col.value(a), vb = col.value(b);
            const blankA = va === undefined || va === '' || Number.isNaN(va), blankB = vb === undefined || vb === '' || Number.isNaN(vb);
            if (blankA || blankB) return blankA === blankB ? 0 : blankA ? 1 : -1;
            return desc ? -compareValues(va, vb) : compareValues(va, vb);
          });
        }
      } else {
        rows.reverse(); // newest first
      }
      count.textContent = matching ? `${rows.length} of ${all.length} runs` : `${all.length} run${all.length === 1 ? '' : 's'}`;
      paintHead();
      paint(true);
    }

    function paintHead() {
      head.replaceChildren(...columns.map((c) => {
        const cls = 'cell' + (c.num ? ' num' : '') + (sortKey === c.key ? ' sorted-asc' : sortKey === '-' + c.key ? ' sorted-desc' : '');
        const cell = h('div', { class: cls, title: c.label, 'data-key': c.key }, c.label);
        cell.style.width = c.width + 'px';
        if (c.value) {
          cell.addEventListener('click', () => {
            sortKey = sortKey === c.key ? '-' + c.key : sortKey === '-' + c.key ? '' : c.key;
            updateUrl();
            recompute();
          });
        }
        return cell;
      }));
    }

    let painted = { first: -1, last: -1 };
    function paint(force) {
      body.style.height = rows.length * ROW + 'px';
      const top = Math.max(0, grid.scrollTop - ROW);
      const first = Math.floor(top / ROW);
      const last = Math.min(rows.length, Math.ceil((grid.scrollTop + grid.clientHeight) / ROW) + 10);
      if (!force && first === painted.first && last === painted.last) return;
      painted = { first, last };
      const frag = document.createDocumentFragment();
      for (let i = first; i < last; i++) {
        const r = rows[i];
        const row = h('div', { class: 'row' + (selected.has(r.id) ? ' selected' : ''), 'data-id': r.id });
        row.style.top = i * ROW + 'px';
        for (const c of columns) {
          const cell = h('div', { class: 'cell' + (c.num ? ' num' : '') }, c.cell(r));
          cell.style.width = c.width + 'px';
          if (c.key !== 'sel') cell.title = cell.textContent;
          row.append(cell);
        }
        frag.append(row);
      }
      body.replaceChildren(frag);
    }
    grid.addEventListener('scroll', () => requestAnimationFrame(() => paint(false)), { passive: true });
    window.addEventListener('resize', () => paint(true));

    let filterSeq = 0;
    async function applyFilter() {
      const text = filter.value.trim();
      const seq = ++filterSeq;
      if (!text) { matching = null; err.textContent = ''; recompute(); return; }
      try {
        const body = await api('/api/runs?fields=id&where=' + encodeURIComponent(text));
        if (seq !== filterSeq) return;
        matching = new Set(body.runs);
        err.textContent = '';
      } catch (e) {
        if (seq !== filterSeq) return;
        err.textContent = e.message;
        matching = new Set();
      }
      recompute();
    }
    let timer = 0;
    filter.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { updateUrl(); applyFilter(); }, 150); });
    differ.addEventListener('change', () => { updateUrl(); recompute(); });

    updateCompare();
    count.textContent = 'loading…';
    loadRuns().then(applyFilter).catch((e) => { err.textContent = e.message; });
    const onRuns = () => { if (filter.value.trim()) applyFilter(); else recompute(); };
    runListeners.add(onRuns);
    return () => runListeners.delete(onRuns);
  }

  // ---------- charts ----------

  /** Debiased exponential moving average (as TensorBoard): the first points are not pulled towards 0. */
  function ema(values, weight) {
    const out = new Array(values.length);
    let last = 0, n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) { out[i] = null; continue; }
      last = last * weight + (1 - weight) * v;
      n++;
      out[i] = last / (1 - Math.pow(weight, n));
    }
    return out;
  }

  function seriesFor(metric, xMode) {
    const xs = xMode === 'step' ? metric.step.map(num) : metric.time.map(num);
    const t0 = xs.find((x) => Number.isFinite(x));
    const x = xMode === 'relative' ? xs.map((v) => v - t0) : xs;
    const y = metric.value.map((v) => { const n = num(v); return Number.isFinite(n) ? n : null; });
    return { x, y };
  }

  /**
   * One uPlot chart of several lines that each have their own x values: uPlot.join aligns them on the union
   * of x values (null where a line has no point), and spanGaps draws each line through its own points.
   */
  function lineChart(title, lines, opts) {
    const width = opts.width || 560, height = opts.height || 260;
    const box = h('div', { class: 'chart' }, h('div', { class: 'title' }, title));
    const tables = [];
    const series = [{}];
    for (const line of lines) {
      const keep = line.x.map((_, i) => i).filter((i) => Number.isFinite(line.x[i]));
      const x = keep.map((i) => line.x[i]);
      const smooth = opts.smoothing > 0;
      const ys = smooth ? [keep.map((i) => line.y[i]), ema(keep.map((i) => line.y[i]), opts.smoothing)] : [keep.map((i) => line.y[i])];
      tables.push([x, ...ys]);
      if (smooth) series.push({ label: line.label + ' (raw)', stroke: line.color + '40', width: 1, spanGaps: true });
      series.push({ label: line.label, stroke: line.color, width: 1.5, spanGaps: true, points: { show: false } });
    }
    if (!tables.length) return box;
    const data = uPlot.join(tables);
    if (opts.logY) {
      for (let s = 1; s < data.length; s++) data[s] = data[s].map((v) => (v !== null && v > 0 ? v : null));
    }
    const u = new uPlot({
      width, height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: opts.xMode === 'wall' }, y: { distr: opts.logY ? 3 : 1 } },
      axes: [{ label: opts.xMode === 'step' ? 'step' : opts.xMode === 'wall' ? '' : 'seconds' }, {}],
      series,
    }, data, box);
    box.chart = u;
    return box;
  }

  // ---------- Run view ----------

  function runView(id) {
    const root = h('div', { id: 'run-view' });
    view.replaceChildren(root);
    let disposed = false;
    const logBox = h('pre', { class: 'log', id: 'log' });
    const logSearch = h('input', { type: 'text', placeholder: 'search the log' });
    let logLines = [];
    const chartsBox = h('div', { class: 'charts', id: 'run-charts' });

    function paintLog() {
      const q = logSearch.value.toLowerCase();
      logBox.textContent = (q ? logLines.filter((l) => l.toLowerCase().includes(q)) : logLines).join('\n');
    }
    logSearch.addEventListener('input', paintLog);

    async function loadCharts() {
      const m = await api('/api/runs/' + encodeURIComponent(id) + '/metrics?buckets=600');
      if (disposed) return;
      chartsBox.replaceChildren(...Object.entries(m.metrics).map(([name, s]) => {
        const line = seriesFor(s, 'step');
        return lineChart(name, [{ ...line, label: name, color: palette[0] }], { width: 460, height: 220, xMode: 'step' });
      }));
    }
    async function loadLog() {
      const log = await api('/api/runs/' + encodeURIComponent(id) + '/log?tail=400');
      if (disposed) return;
      const atBottom = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
      logLines = log.lines;
      paintLog();
      if (atBottom) logBox.scrollTop = logBox.scrollHeight;
    }

    async function load() {
      let run;
      try { run = await api('/api/runs/' + encodeURIComponent(id)); } catch (e) { root.replaceChildren(h('p', { class: 'error' }, e.message)); return; }
      if (disposed) return;
      const git = run.git || {};
      const kv = [
        ['status', h('span', { class: 'status status-' + run.status }, run.status)],
        ['command', run.command || (run.argv || []).join(' ')],
        ['working dir', run.cwd], ['why', run.why], ['entry', run.entry],
        ['study / trial', run.study ? `${run.study} #${run.trial}` : null],
        ['tags', (run.tags || []).join(', ')],
        ['git', git.commit ? `${git.commit.slice(0, 12)} ${git.branch || ''}${git.dirty ? ' (dirty)' : ''}` : null],
        ['host', [run.user, run.host].filter(Boolean).join('@')], ['slot / GPUs', [run.slot, run.gpus].filter(Boolean).join(' / ')],
        ['started', when(run.started)], ['ended', when(run.ended)], ['exit code', run.exitCode ?? run.exit_code],
      ];
      const table = h('table', { class: 'kv' }, kv.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))));
      const params = h('table', { class: 'plain', id: 'params' }, h('tr', {}, h('th', {}, 'parameter'), h('th', {}, 'value')),
        Object.entries(run.params || {}).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, paramText(v)))));
      const summary = run.summary ? h('table', { class: 'plain', id: 'summary' }, h('tr', {}, ['metric', 'last', 'min', 'max', 'count'].map((c) => h('th', {}, c))),
        Object.entries(run.summary.metrics || {}).map(([k, s]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, fmt(s.last)), h('td', { class: 'num' }, fmt(s.min)), h('td', { class: 'num' }, fmt(s.max)), h('td', { class: 'num' }, fmt(s.count))))) : h('p', { class: 'muted' }, 'no summary yet');
      const files = [['run.json', 'run.json'], ['metrics.csv', 'metrics.csv'], ['output.log', 'output.log']];
      if (run.has_git_diff) files.push(['git.diff', 'git.diff']);
      const artifacts = h('ul', { id: 'artifacts' }, files.concat(run.artifacts.map((a) => [a.path, a.path + ' (' + a.size + ' bytes)'])).map(([p, label]) => h('li', {}, h('a', { href: fileHref(id, p), target: '_blank', rel: 'noopener' }, label))));
      root.replaceChildren(
        h('h1', {}, run.name || run.id, ' ', h('span', { class: 'muted' }, run.id)),
        h('div', { class: 'cols' }, h('div', {}, table), h('div', {}, h('h2', {}, 'Parameters'), params), h('div', {}, h('h2', {}, 'Summary'), summary)),
        h('h2', {}, 'Metrics'), chartsBox,
        h('h2', {}, 'Output ', logSearch), logBox,
        h('h2', {}, 'Files'), artifacts);
      await Promise.all([loadCharts(), loadLog()]);
    }
    load();
    const off = onChange((c) => { if (c.runs && c.runs.includes(id)) load(); });
    return () => { disposed = true; off(); };
  }

  // ---------- Compare view ----------

  function compareView(params) {
    const ids = (params.get('runs') || '').split(',').filter(Boolean);
    let xMode = params.get('x') || 'step';
    let smoothing = Number(params.get('smooth') || 0);
    let logY = params.get('logy') === '1';
    const root = h('div', { id: 'compare-view' });
    view.replaceChildren(root);
    if (!ids.length) {
      root.append(h('p', { class: 'muted' }, 'Select runs in the Runs view, then press Compare.'));
      return () => {};
    }
    let disposed = false;
    const xSel = h('select', { id: 'xmode' }, [['step', 'step'], ['wall', 'wall time'], ['relative', 'relative time']].map(([v, l]) => { const o = h('option', { value: v }, l); o.selected = v === xMode; return o; }));
    const smooth = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: smoothing, id: 'smoothing' });
    const smoothLabel = h('span', {}, smoothing.toFixed(2));
    const logBox = h('input', { type: 'checkbox', id: 'logy' });
    logBox.checked = logY;
    const legend = h('div', { class: 'legend', id: 'legend' });
    const charts = h('div', { class: 'charts', id: 'compare-charts' });
    const diff = h('div', {});
    root.append(h('h1', {}, `Compare ${ids.length} runs`),
      h('div', { class: 'toolbar' }, 'x:', xSel, 'smoothing:', smooth, smoothLabel, h('label', {}, logBox, ' log y')),
      legend, charts, h('h2', {}, 'Parameters that differ'), diff);
    const data = new Map();

    function updateUrl() {
      const p = new URLSearchParams();
      p.set('runs', ids.join(','));
      if (xMode !== 'step') p.set('x', xMode);
      if (smoothing > 0) p.set('smooth', String(smoothing));
      if (logY) p.set('logy', '1');
      setParams(p);
    }

    function draw() {
      const runs = ids.map((id) => store.runs.get(id)).filter(Boolean);
      const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params || {})))].sort();
      const differing = keys.filter((k) => new Set(runs.map((r) => paramText(r.params[k]))).size > 1);
      const label = (r) => (r.name || r.id) + (differing.length ? ' (' + differing.map((k) => `${k}=${paramText(r.params[k])}`).join(', ') + ')' : '');
      legend.replaceChildren(...runs.map((r, i) => { const sw = h('span', { class: 'swatch' }); sw.style.background = palette[i % palette.length]; return h('span', { class: 'item' }, sw, runLink(r.id, label(r))); }));
      diff.replaceChildren(h('table', { class: 'plain', id: 'param-diff' }, h('tr', {}, h('th', {}, 'run'), differing.map((k) => h('th', {}, k))),
        runs.map((r) => h('tr', {}, h('td', {}, runLink(r.id, r.name || r.id)), differing.map((k) => h('td', {}, paramText(r.params[k])))))));
      const metricNames = [...new Set(ids.flatMap((id) => Object.keys((data.get(id) || {}).metrics || {})))].sort();
      const width = Math.max(360, Math.min(620, Math.floor((view.clientWidth - 40) / 2)));
      charts.replaceChildren(...metricNames.map((m) => lineChart(m, runs.map((r, i) => {
        const s = (data.get(r.id) || { metrics: {} }).metrics[m];
        return s ? { ...seriesFor(s, xMode), label: label(r), color: palette[i % palette.length] } : null;
      }).filter(Boolean), { width, height: 280, xMode, smoothing, logY })));
      root.dataset.drawn = String(metricNames.length);
    }

    async function fetchSeries(which) {
      const x = xMode === 'step' ? 'step' : 'time';
      const buckets = Math.max(200, Math.min(2000, Math.floor(window.innerWidth / 2)));
      await Promise.all(which.map(async (id) => {
        try { data.set(id, await api('/api/runs/' + encodeURIComponent(id) + '/metrics?x=' + x + '&buckets=' + buckets)); } catch { data.set(id, { metrics: {} }); }
      }));
    }

    async function load() {
      await loadRuns();
      await fetchSeries(ids);
      if (!disposed) draw();
    }
    xSel.addEventListener('change', async () => { xMode = xSel.value; updateUrl(); await fetchSeries(ids); draw(); });
    smooth.addEventListener('input', () => { smoothing = Number(smooth.value); smoothLabel.textContent = smoothing.toFixed(2); updateUrl(); draw(); });
    logBox.addEventListener('change', () => { logY = logBox.checked; updateUrl(); draw(); });
    load();
    const off = onChange(async (c) => {
      const mine = (c.runs || []).filter((id) => ids.includes(id));
      if (mine.length) { await fetchSeries(mine); if (!disposed) draw(); }
    });
    return () => { disposed = true; off(); };
  }

  // ---------- Notebook, Queue, Studies ----------

  function simpleView(load, kind) {
    let disposed = false;
    const refresh = () => load().then((nodes) => { if (!disposed) view.replaceChildren(...nodes); }).catch((e) => view.replaceChildren(h('p', { class: 'error' }, e.message)));
    refresh();
    const off = onChange((c) => { if (c[kind] || (kind === 'queue' && c.runs && c.runs.length)) refresh(); });
    return () => { disposed = true; off(); };
  }

  async function notebookNodes() {
    const nb = await api('/api/notebook');
    if (!nb.entries.length) return [h('h1', {}, 'Notebook'), h('p', { class: 'muted' }, 'No entries yet: lab note "the question" opens one.')];
    return [h('h1', {}, 'Notebook'), ...nb.entries.slice().reverse().map((e) => h('div', { class: 'card', id: 'entry-' + e.id },
      h('h2', {}, e.id + ' ', e.title, ' ', h('span', { class: 'muted' }, e.date || '')),
      h('table', { class: 'kv' }, [['Testing', e.testing], ['Why', e.why], ['Expect', e.expect.join('; ')], ['Predictions', e.predictions.join('; ')], ['Conclusion', e.conclusion]]
        .filter(([, v]) => v).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))),
      e.attached.length ? h('p', {}, 'Attached: ', e.attached.map((a) => [a.kind === 'run' ? runLink(a.id) : a.kind + ' ' + a.id, ' '])) : null,
      e.results ? h('pre', { class: 'muted' }, e.results) : null))];
  }

  async function queueNodes() {
    const q = await api('/api/queue');
    const cols = ['id', 'name', 'state', 'slot', 'attempts', 'added', 'started', 'ended', 'runs', 'command'];
    return [h('h1', {}, 'Queue'),
      h('p', { class: 'muted' }, q.runners.length ? `${q.runners.length} runner(s): ` + q.runners.map((r) => `${r.host} pid ${r.pid} (${r.slots.join(', ')})`).join('; ') : 'no runner is working the queue'),
      q.items.length ? h('table', { class: 'plain', id: 'queue-table' }, h('tr', {}, cols.map((c) => h('th', {}, c))),
        q.items.map((i) => h('tr', {}, h('td', {}, i.id), h('td', {}, i.name || ''), h('td', {}, h('span', { class: 'status status-' + i.state }, i.state)), h('td', {}, i.slot || ''),
          h('td', { class: 'num' }, i.attempts), h('td', {}, when(i.added)), h('td', {}, when(i.started)), h('td', {}, when(i.ended)),
          h('td', {}, i.runs.map((r) => [runLink(r), ' '])), h('td', {}, i.command)))) : h('p', { class: 'muted' }, 'The queue is empty.')];
  }

  async function studiesNodes() {
    const s = await api('/api/studies');
    return [h('h1', {}, 'Studies'), s.studies.length ? h('table', { class: 'plain', id: 'studies-table' },
      h('tr', {}, ['study', 'direction', 'trials', 'complete', 'best trial', 'best value', 'last activity'].map((c) => h('th', {}, c))),
      s.studies.map((x) => h('tr', {}, h('td', {}, h('a', { href: '#/study/' + encodeURIComponent(x.name) }, x.name)), h('td', {}, x.direction), h('td', { class: 'num' }, x.trials),
        h('td', { class: 'num' }, x.complete), h('td', { class: 'num' }, x.best_trial ?? ''), h('td', { class: 'num' }, fmt(x.best_value)), h('td', {}, when(x.last_activity))))) : h('p', { class: 'muted' }, 'No studies yet: lab sweep starts one.')];
  }

  async function studyNodes(name) {
    const s = await api('/api/studies/' + encodeURIComponent(name));
    const done = s.trials.filter((t) => num(t.value) !== undefined && Number.isFinite(num(t.value)));
    const better = s.direction === 'maximize' ? Math.max : Math.min;
    let best;
    const history = {
      x: done.map((t) => t.number), y: done.map((t) => num(t.value)), label: 'value', color: palette[0],
    };
    const bestLine = { x: history.x, y: history.y.map((v) => (best = best === undefined ? v : better(best, v))), label: 'best so far', color: palette[3] };
    const keys = [...new Set(s.trials.flatMap((t) => Object.keys(t.params)))].sort();
    return [h('h1', {}, 'Study ', s.name, ' ', h('span', { class: 'muted' }, s.direction)),
      done.length ? lineChart('optimisation history', [history, bestLine], { width: 720, height: 280, xMode: 'step' }) : h('p', { class: 'muted' }, 'no finished trial yet'),
      h('h2', {}, 'Trials'),
      h('table', { class: 'plain', id: 'trials-table' }, h('tr', {}, ['trial', 'state', 'value', 'run', ...keys].map((c) => h('th', {}, c))),
        s.trials.map((t) => h('tr', {}, h('td', { class: 'num' }, t.number + (t.number === s.best_trial ? ' ★' : '')), h('td', {}, t.state), h('td', { class: 'num' }, fmt(t.value)),
          h('td', {}, t.run ? runLink(t.run) : ''), keys.map((k) => h('td', { class: 'num' }, typeof t.params[k] === 'number' ? fmt(t.params[k]) : paramText(t.params[k]))))))];
  }

  // ---------- router ----------

  let dispose = () => {};
  function render() {
    dispose();
    const { parts, params } = route();
    const name = parts[0] || 'runs';
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name || (name === 'run' && a.dataset.view === 'runs') || (name === 'study' && a.dataset.view === 'studies'));
    if (name === 'run' && parts[1]) dispose = runView(parts[1]);
    else if (name === 'compare') dispose = compareView(params);
    else if (name === 'notebook') dispose = simpleView(notebookNodes, 'notebook');
    else if (name === 'queue') dispose = simpleView(queueNodes, 'queue');
    else if (name === 'studies') dispose = simpleView(studiesNodes, 'studies');
    else if (name === 'study' && parts[1]) dispose = simpleView(() => studyNodes(parts[1]), 'studies');
    else dispose = runsView(params);
  }
  window.addEventListener('hashchange', render);
  connectLive();
  render();
})();
