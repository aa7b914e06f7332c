// The script of conformance.html: reads the cases from #report-data and adds the case detail,
// the filters, keyboard movement in the grids and deep links (#case=<id>). No network, no library.
// A module script: its own scope, strict mode, run once the page is parsed.
var data = JSON.parse(document.getElementById('report-data').textContent);
var cases = data.cases;
var byId = {};
cases.forEach(function (c, i) { byId[c.id] = i; });
var detail = document.getElementById('detail');
var lastCell = null;
var TIMELINE_INSTANTS = 60;
// What the state right after the final Ack says the client took the status for.
var CLASS_OF_STATE = { TRANSFERRED: 'success', ACKNOWLEDGED: 'success', TRANSIENT_ERROR: 'transient', ERROR: 'fatal' };

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    if (k === 'text') node.textContent = attrs[k];
    else if (k === 'className') node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  });
  (children || []).forEach(function (child) {
    if (child === null || child === undefined) return;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return node;
}

function formatMs(ms) {
  var sign = ms < 0 ? '-' : '';
  var rest = Math.abs(ms);
  if (rest < 1000) return sign + rest + ' ms';
  var units = [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000], ['ms', 1]];
  var parts = [];
  for (var i = 0; i < units.length && parts.length < 2; i++) {
    var n = Math.floor(rest / units[i][1]);
    if (n > 0) parts.push(n + ' ' + units[i][0]);
    rest -= n * units[i][1];
  }
  return sign + parts.join(' ');
}

function statusText(c) {
  return c.s + (data.reasons[c.s] ? ' ' + data.reasons[c.s] : '') + (c.n ? ' (' + c.n + ')' : '');
}

function badge(verdict) {
  return el('span', { className: 'badge v-' + verdict, text: verdict });
}

// Expected vs observed, one row per fact; a row whose values differ is marked.
function comparison(c) {
  var e = c.e;
  var o = c.o;
  // The harness cancels a job it is done with; the state before that is the one the client reached.
  var states = c.st.map(function (x) { return x[1]; });
  var cancelled = c.ca.some(function (x) { return x[1] === 'cancel'; }) && states[states.length - 1] === 'CANCELLED';
  var lastState = states.length ? states[states.length - (cancelled && states.length > 1 ? 2 : 1)] + (cancelled ? ' (then cancelled by the harness)' : '') : null;
  var persistent = c.k === 'retry-until-npt';
  var rows = [
    ['Treated as', e['class'], o ? (CLASS_OF_STATE[o.after] || 'neither (' + (o.after || 'no final Ack') + ')') : '-'],
    [c.k === 'scenario' ? 'Decision after the fault' : 'Decision after the final Ack', e.decision, o ? (o.after || 'none') : '-'],
    ['Error (context, code)', e.error, o ? o.error : '-'],
    ['Posts to the application', persistent ? 'one per retry' : e.posts, o ? String(o.posts) : '-'],
    ['Final job state', e.finalState, lastState ? lastState.split(' ')[0] : '-', lastState],
    ['Close-Session requests', e.finalState === 'ACKNOWLEDGED' ? '1' : '0 or 1', o ? String(o.closes) : '-'],
  ];
  var origin = firstPostTime(c);
  var after = c.tr.filter(function (r) { return origin !== null && r[0] > firstPostSeq(c); });
  rows.push(['Requests after the error', c.k === 'retry-until-npt' ? 'retries spaced by at least ' + formatMs(c.tm[0]) + ' until ' + formatMs(c.tm[1]) : (e['class'] === 'transient' ? 'none before ' + formatMs(c.tm[0]) : e['class'] === 'fatal' ? 'none until resume()' : 'completion'),
    after.length ? after.slice(0, 8).map(function (r) { return '+' + formatMs(r[1] - origin) + ' ' + r[2]; }).join(', ') + (after.length > 8 ? ', ... (' + after.length + ' in all)' : '') : 'none']);
  var comparable = { 'Treated as': 1, 'Decision after the final Ack': 1, 'Decision after the fault': 1, 'Error (context, code)': 1, 'Posts to the application': !persistent && e.posts.indexOf(' to ') < 0, 'Final job state': e.finalState !== 'any' && e.finalState !== 'not-success' };
  var body = rows.map(function (row) {
    var differs = o && comparable[row[0]] && row[1] !== row[2];
    return el('tr', differs ? { className: 'differs' } : null, [el('th', { scope: 'row', text: row[0] }), el('td', { text: row[1] }), el('td', { text: row[3] || row[2] })]);
  });
  return el('table', { className: 'evo' }, [
    el('thead', null, [el('tr', null, [el('th', { scope: 'col', text: '' }), el('th', { scope: 'col', text: 'Expected' }), el('th', { scope: 'col', text: 'Observed' })])]),
    el('tbody', null, body),
  ]);
}

function firstPostSeq(c) {
  for (var i = 0; i < c.tr.length; i++) if (c.tr[i][9]) return c.tr[i][0];
  return null;
}
function firstPostTime(c) {
  for (var i = 0; i < c.tr.length; i++) if (c.tr[i][9]) return c.tr[i][1];
  return null;
}

function requestLine(c, r) {
  var text = '#' + r[0] + ' ' + (r[13] ? r[13] + ' ' : '') + r[2] + (r[4] ? ' bytes ' + r[4] : '') + (r[11] >= 0 ? ' session ' + c.ss[r[11]].slice(0, 9) + '}' : '') +
    ' => ' + (r[3] === null ? 'no answer' : r[3]) + (r[6] ? ' code ' + r[6] : '') + (r[7] !== null ? ' context ' + r[7] : '') + (r[8] !== null ? ' received ' + r[8] : '') + (r[12] ? ' (' + r[12] + ')' : '');
  var children = [text];
  if (r[9]) children.push(' ', el('span', { className: 'post', text: 'application post #' + r[9] + ' answered ' + r[10] }));
  if (r[14]) children.push(' reply URL ' + r[14]);
  return el('li', { className: 'req' }, children);
}

function leftOutText(c) {
  if (!c.tr.length) return c.lo[0] + ' request' + (c.lo[0] === 1 ? '' : 's') + ' not kept: a passing case keeps its states only (its replay command prints the requests)';
  return c.lo[0] + ' requests left out (the report keeps the first ' + c.lo[1] + ' requests of a case and its last ones)';
}

// The transcript as a timeline: one entry per instant of (virtual) time, holding the calls the
// harness made, the requests the client sent and the states it reported at that instant.
function timeline(c, all) {
  var origin = firstPostTime(c);
  if (origin === null) origin = 0;
  var instants = {};
  var times = [];
  function at(t) {
    if (!instants[t]) { instants[t] = { calls: [], requests: [], states: [] }; times.push(t); }
    return instants[t];
  }
  c.ca.forEach(function (x) { at(x[0]).calls.push(x[1]); });
  c.tr.forEach(function (r) { at(r[1]).requests.push(r); });
  c.st.forEach(function (s) { at(s[0]).states.push(s[1]); });
  times.sort(function (a, b) { return a - b; });
  var shown = all || times.length <= TIMELINE_INSTANTS ? times : times.slice(0, TIMELINE_INSTANTS - 10).concat(times.slice(-10));
  var list = el('ol', { className: 'timeline' });
  // The report keeps a case's first c.lo[1] requests and its last ones: the gap is before the first of those.
  var gapAt = c.lo && c.tr[c.lo[1]] ? c.tr[c.lo[1]][1] : null;
  shown.forEach(function (t, index) {
    if (!all && times.length > TIMELINE_INSTANTS && index === TIMELINE_INSTANTS - 10) {
      var more = el('button', { type: 'button', text: 'Show all ' + times.length + ' instants' });
      more.addEventListener('click', function () { list.replaceWith(timeline(c, true)); });
      list.appendChild(el('li', null, [(times.length - TIMELINE_INSTANTS) + ' instants hidden. ', more]));
    }
    if (t === gapAt) list.appendChild(el('li', { className: 'left-out', text: leftOutText(c) }));
    var inst = instants[t];
    var items = [];
    if (inst.calls.length) items.push(el('li', { className: 'call', text: 'harness calls ' + inst.calls.join(', ') }));
    inst.requests.forEach(function (r) { items.push(requestLine(c, r)); });
    if (inst.states.length) items.push(el('li', { className: 'state', text: 'job state ' + inst.states.join(' \u2192 ') }));
    var hasPost = inst.requests.some(function (r) { return r[9]; });
    list.appendChild(el('li', hasPost ? { className: 'has-post' } : null, [
      el('span', { className: 'at', text: (t - origin >= 0 ? '+' : '') + formatMs(t - origin) }),
      el('span', { className: 'abs', text: 't = ' + t + ' ms' }),
      el('ul', null, items),
    ]));
  });
  return list;
}

function copyButton(text) {
  var button = el('button', { type: 'button', text: 'Copy' });
  button.addEventListener('click', function () {
    var done = function () { button.textContent = 'Copied'; };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, select);
    else select();
    function select() {
      var range = document.createRange();
      range.selectNodeContents(button.previousSibling);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Selected: press Ctrl+C';
    }
  });
  return button;
}

function showCase(i, cell) {
  var c = cases[i];
  if (!c) return;
  if (lastCell) lastCell.classList.remove('selected');
  lastCell = cell || document.querySelector('.cell[data-i="' + i + '"]');
  if (lastCell) lastCell.classList.add('selected');
  var broken = {};
  c.f.forEach(function (f) { broken[f[0]] = true; });
  var close = el('button', { type: 'button', 'aria-label': 'Close the case detail', text: 'Close (Esc)' });
  close.addEventListener('click', hideCase);
  var parts = [
    el('div', { className: 'bar' }, [
      el('div', null, [
        el('h2', { id: 'detail-title', text: statusText(c) }),
        el('p', { className: 'meta' }, [badge(c.v), ' ', el('code', { text: c.id })]),
        el('p', { className: 'meta', text: c.r + ' relay, ' + c.j + ' job, ' + c.k + '; MinimumRetryDelay ' + formatMs(c.tm[0]) + ', NoProgressTimeout ' + formatMs(c.tm[1]) + (c.ms !== undefined ? '; ran in ' + c.ms + ' ms' : '') }),
      ]),
      close,
    ]),
  ];
  if (c.f.length) {
    parts.push(el('h3', { text: c.v === 'xfail' ? 'Failures (accepted)' : 'Failures' }));
    parts.push(el('ul', { className: 'failures' }, c.f.map(function (f) { return el('li', null, [el('strong', { text: f[0] }), ': ' + f[1]]); })));
  }
  if (c.why) parts.push(el('p', null, [el('strong', { text: c.v === 'unsupported' ? 'Unsupported: ' : 'Not judged: ' }), c.why]));
  // What the client's own fetch did (a relayed 407 made a network error): it explains the failures.
  if (c.tn) c.tn.forEach(function (n) { parts.push(el('p', { className: 'note' }, [el('strong', { text: 'Note: ' }), n])); });
  if (c.x) {
    parts.push(el('h3', { text: 'Accepted by the expected-failures list' }));
    parts.push(el('ul', null, c.x.map(function (x) {
      var link = el('a', { href: x.link, rel: 'noreferrer', text: x.link });
      return el('li', null, [(x['case'] ? 'case ' + x['case'] : 'rule ' + x.rule) + ': ' + x.reason + ' (', link, ', expires ' + x.expires + ')']);
    })));
  }
  parts.push(el('h3', { text: 'Expected vs observed' }));
  parts.push(comparison(c));
  var command = data.replayPrefix + c.rp;
  parts.push(el('h3', { text: 'Replay this case' }));
  parts.push(el('div', { className: 'replay' }, [el('pre', null, [el('code', { id: 'replay-command', text: command })]), copyButton(command)]));
  parts.push(el('h3', { text: 'Rules this case checks' }));
  parts.push(el('ul', { className: 'rules' }, c.ru.map(function (id) {
    var r = data.rules[id] || { level: '?', kind: '?', statement: '' };
    return el('li', broken[id] ? { className: 'broken' } : null, [
      el('span', { className: 'rule-id', text: (broken[id] ? '\u2717 ' : '\u2713 ') + id }),
      el('span', { className: 'rule-meta', text: r.level + ', ' + r.kind + (r.group ? ', ' + r.group : '') + (r.section ? ', section ' + r.section : '') }),
      el('div', { text: r.statement }),
    ]);
  })));
  parts.push(el('h3', { text: 'Timeline (+time from the first post to the application)' }));
  if (c.lo) parts.push(el('p', { className: 'left-out', text: leftOutText(c) }));
  parts.push(c.tr.length || c.st.length ? timeline(c, false) : el('p', { className: 'empty', text: 'No request and no state: the case did not run.' }));
  detail.replaceChildren.apply(detail, parts);
  detail.hidden = false;
  detail.scrollTop = 0;
  detail.focus();
  try { history.replaceState(null, '', '#case=' + encodeURIComponent(c.id)); } catch (ignored) { /* some file:// contexts refuse */ }
}

function hideCase() {
  detail.hidden = true;
  try { history.replaceState(null, '', location.pathname + location.search); } catch (ignored) { /* see above */ }
  if (lastCell) lastCell.focus();
}

document.addEventListener('keydown', function (event) {
  if (event.key === 'Escape' && !detail.hidden) hideCase();
});

document.addEventListener('click', function (event) {
  var target = event.target.closest ? event.target.closest('[data-i]') : null;
  if (!target) return;
  showCase(Number(target.getAttribute('data-i')), target.classList.contains('cell') ? target : null);
});

// Keyboard: each grid is one tab stop; arrows move within it (up and down by a hundred).
Array.prototype.forEach.call(document.querySelectorAll('.grid'), function (grid) {
  var cells = Array.prototype.slice.call(grid.querySelectorAll('.cell'));
  var perRow = grid.classList.contains('others') ? cells.length : 100;
  cells.forEach(function (cell, i) { cell.tabIndex = i === 0 ? 0 : -1; });
  grid.addEventListener('keydown', function (event) {
    var i = cells.indexOf(document.activeElement);
    if (i < 0) return;
    var next = { ArrowRight: i + 1, ArrowLeft: i - 1, ArrowDown: i + perRow, ArrowUp: i - perRow, Home: i - (i % perRow), End: i - (i % perRow) + perRow - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    next = Math.max(0, Math.min(cells.length - 1, next));
    cells[i].tabIndex = -1;
    cells[next].tabIndex = 0;
    cells[next].focus();
  });
});

// Filters: by verdict and by broken rule; cells that do not match are dimmed, never removed,
// so the grid keeps its shape.
var ruleFilter = document.getElementById('rule-filter');
var verdictBoxes = Array.prototype.slice.call(document.querySelectorAll('input[name="verdict"]'));
function matches(c) {
  var verdictOk = verdictBoxes.some(function (box) { return box.checked && box.value === c.v; });
  var rule = ruleFilter.value;
  return verdictOk && (!rule || c.f.some(function (f) { return f[0] === rule; }));
}
function applyFilters() {
  var n = 0;
  Array.prototype.forEach.call(document.querySelectorAll('.cell[data-i]'), function (cell) {
    var ok = matches(cases[Number(cell.getAttribute('data-i'))]);
    cell.classList.toggle('dim', !ok);
    if (ok) n++;
  });
  document.getElementById('match-count').textContent = n + ' of ' + cases.length + ' cases match';
  renderList();
}
verdictBoxes.forEach(function (box) { box.addEventListener('change', applyFilters); });
ruleFilter.addEventListener('change', applyFilters);
document.getElementById('reset-filters').addEventListener('click', function () {
  verdictBoxes.forEach(function (box) { box.checked = true; });
  ruleFilter.value = '';
  applyFilters();
});

var LIST_ROWS = 200;
var listLimit = LIST_ROWS;
function renderList() {
  var body = document.getElementById('case-list-body');
  var shown = cases.filter(function (c) { return c.v !== 'pass' && matches(c); });
  if (!shown.length) { body.replaceChildren(el('p', { className: 'empty', text: 'No case that did not pass matches the filters.' })); return; }
  var rows = shown.slice(0, listLimit).map(function (c) {
    return el('tr', null, [
      el('td', null, [el('button', { type: 'button', className: 'link', 'data-i': String(byId[c.id]), text: c.id })]),
      el('td', null, [badge(c.v)]),
      el('td', { text: c.f.length ? c.f.map(function (f) { return f[0]; }).filter(function (r, i, all) { return all.indexOf(r) === i; }).join(', ') : '' }),
      el('td', { text: c.f.length ? c.f[0][1] : (c.why || '') }),
    ]);
  });
  var table = el('table', null, [
    el('thead', null, [el('tr', null, ['Case', 'Verdict', 'Broken rules', 'First failure'].map(function (h) { return el('th', { scope: 'col', text: h }); }))]),
    el('tbody', null, rows),
  ]);
  var children = [table];
  if (shown.length > listLimit) {
    var more = el('button', { type: 'button', text: 'Show all ' + shown.length });
    more.addEventListener('click', function () { listLimit = Infinity; renderList(); });
    children.push(el('p', null, [shown.length - listLimit + ' more. ', more]));
  }
  body.replaceChildren.apply(body, children);
}

applyFilters();
var match = /^#case=(.+)$/.exec(location.hash);
if (match && byId[decodeURIComponent(match[1])] !== undefined) showCase(byId[decodeURIComponent(match[1])]);
document.body.setAttribute('data-ready', 'true');
