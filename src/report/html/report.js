// mlguard HTML report: details on click, filters, search and collapsible groups for the access
// graph that the report lays out as SVG. Values from the scanned code are only ever written with
// textContent, never as markup.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var L = D.layout;
  var svg = document.getElementById('graph');
  var details = document.getElementById('details');
  var nodeEl = D.nodes.map(function (_, i) { return document.getElementById('n' + i); });
  var edgeEl = D.edges.map(function (_, i) { return document.getElementById('e' + i); });
  var groupEl = D.groups.map(function (_, i) { return document.getElementById('g' + i); });
  var findingEl = D.findings.map(function (_, i) { return document.getElementById('f' + i); });
  var CLASSES = ['read', 'write', 'list', 'admin', 'manage-permissions', 'tagging',
    'approve-model', 'deploy-model', 'invoke-model'];
  // groups larger than this start collapsed on a large estate
  var AUTO_COLLAPSE_NODES = 300;
  var collapsed = {};
  var nodeVisible = [];
  var edgeVisible = [];
  var selected = null;

  // the unit bands of each column, in order, and the band each group sits under
  var bandEl = { left: svg.querySelectorAll('#left > .unit'), right: svg.querySelectorAll('#right > .unit') };
  var bandOf = [];
  (function () {
    var count = { left: -1, right: -1 }, last = { left: null, right: null };
    D.groups.forEach(function (g, gi) {
      var key = g.unit + '\n' + g.cloud;
      if (last[g.side] !== key) { last[g.side] = key; count[g.side] += 1; }
      bandOf[gi] = count[g.side];
    });
  })();

  var edgesOf = D.nodes.map(function () { return []; });
  D.edges.forEach(function (e, i) { edgesOf[e.from].push(i); edgesOf[e.to].push(i); });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // a message whose backtick-quoted parts are code
  function message(parent, s) {
    String(s).split('`').forEach(function (part, i) {
      parent.appendChild(i % 2 ? el('code', null, part) : document.createTextNode(part));
    });
    return parent;
  }

  function snippet(i) {
    if (i === null || i === undefined || !D.snippets[i]) return null;
    var s = D.snippets[i];
    var pre = el('pre', 'snippet');
    s.lines.forEach(function (line, k) {
      pre.appendChild(el('span', 'ln', String(s.first + k).padStart(5, ' ')));
      pre.appendChild(document.createTextNode(' ' + line + '\n'));
    });
    return pre;
  }

  function where(at) {
    return at && at.file ? at.file + ':' + at.line : '';
  }

  function value(id) {
    var e = document.getElementById(id);
    return e ? e.value : '';
  }

  function filters() {
    return {
      unit: value('f-unit'), tier: value('f-tier'), workload: value('f-workload'),
      cls: value('f-class'), rule: value('f-rule'), severity: value('f-severity'),
      flagged: document.getElementById('f-flagged').checked,
      q: value('f-search').trim().toLowerCase()
    };
  }

  function apply() {
    var f = filters();
    function findingOk(i) {
      var x = D.findings[i];
      return (!f.rule || x.rule === f.rule) && (!f.severity || x.severity === f.severity);
    }
    function nodeOk(n) {
      if (f.unit && n.unit !== f.unit) return false;
      if (n.side === 'right') return !f.tier || n.tier === f.tier;
      return !f.workload || n.workloads.indexOf(f.workload) >= 0;
    }
    function matches(n) {
      return n.address.toLowerCase().indexOf(f.q) >= 0 || n.detail.toLowerCase().indexOf(f.q) >= 0;
    }
    var byFinding = f.rule || f.severity;
    var narrowing = f.cls || byFinding || f.flagged || f.q;
    var hasEdge = D.nodes.map(function () { return false; });
    D.edges.forEach(function (e, i) {
      var a = D.nodes[e.from], b = D.nodes[e.to];
      var ok = nodeOk(a) && nodeOk(b) && (!f.cls || e.class === f.cls) &&
        (!byFinding || e.findings.some(findingOk)) && (!f.flagged || e.state === 'finding') &&
        (!f.q || matches(a) || matches(b));
      edgeVisible[i] = ok;
      if (ok) { hasEdge[e.from] = true; hasEdge[e.to] = true; }
    });
    D.nodes.forEach(function (n, i) {
      var ok = nodeOk(n);
      if (ok && narrowing) {
        ok = hasEdge[i] || (f.q && matches(n)) ||
          (byFinding && !f.q && !f.cls && !f.flagged && n.findings.some(findingOk));
      }
      nodeVisible[i] = ok;
    });
    layout();
    // the findings lists follow the rule, severity and unit filters
    findingEl.forEach(function (e, i) {
      if (!e) return;
      var x = D.findings[i];
      var ok = findingOk(i) && (!f.unit || x.units.length === 0 || x.units.indexOf(f.unit) >= 0);
      e.classList.toggle('hidden', !ok);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.rulegroup'), function (g) {
      g.classList.toggle('hidden', !g.querySelector('.finding:not(.hidden)'));
    });
  }

  // stack each column as the report does, skipping hidden nodes and folding collapsed groups
  function layout() {
    var pos = [];
    var folded = [];
    var height = 60;
    ['left', 'right'].forEach(function (side) {
      var x = side === 'left' ? L.left_x : L.right_x;
      var y = L.top;
      var lastBand = -1;
      Array.prototype.forEach.call(bandEl[side], function (b) { b.classList.add('hidden'); });
      D.groups.forEach(function (g, gi) {
        if (g.side !== side) return;
        var shown = g.nodes.filter(function (n) { return nodeVisible[n]; });
        var ge = groupEl[gi];
        if (!shown.length) {
          ge.classList.add('hidden');
          g.nodes.forEach(function (n) { nodeEl[n].classList.add('hidden'); });
          return;
        }
        if (bandOf[gi] !== lastBand) {
          lastBand = bandOf[gi];
          var band = bandEl[side][lastBand];
          if (band) {
            band.classList.remove('hidden');
            band.setAttribute('transform', 'translate(' + x + ',' + y + ')');
          }
          y += L.header;
        }
        ge.classList.remove('hidden');
        ge.setAttribute('transform', 'translate(' + x + ',' + y + ')');
        var label = ge.querySelector('text');
        var count = shown.length === g.nodes.length ? String(g.nodes.length) : shown.length + '/' + g.nodes.length;
        label.textContent = (collapsed[gi] ? '▸ ' : '▾ ') + shorten(g.key, 36) + ' (' + count + ')';
        var headY = y;
        y += L.header;
        g.nodes.forEach(function (n) {
          var show = nodeVisible[n] && !collapsed[gi];
          nodeEl[n].classList.toggle('hidden', !show);
          if (!nodeVisible[n]) return;
          if (collapsed[gi]) {
            pos[n] = headY + (L.header - 4) / 2;
            folded[n] = gi;
          } else {
            nodeEl[n].setAttribute('transform', 'translate(' + x + ',' + y + ')');
            pos[n] = y + L.node_h / 2;
            y += L.row;
          }
        });
        y += L.gap;
      });
      height = Math.max(height, y);
    });
    var drawn = {};
    D.edges.forEach(function (e, i) {
      var ee = edgeEl[i];
      if (!ee) return;
      if (!edgeVisible[i]) { ee.classList.add('hidden'); return; }
      // edges folded into a collapsed group are drawn once per (ends, class)
      if (folded[e.from] !== undefined || folded[e.to] !== undefined) {
        var key = (folded[e.from] !== undefined ? 'g' + folded[e.from] : 'n' + e.from) + '>' +
          (folded[e.to] !== undefined ? 'g' + folded[e.to] : 'n' + e.to) + ':' + e.class;
        if (drawn[key]) { ee.classList.add('hidden'); return; }
        drawn[key] = true;
      }
      ee.classList.remove('hidden');
      var off = (CLASSES.indexOf(e.class) - 4) * 1.2;
      var x1 = L.left_x + L.node_w, x2 = L.right_x, mid = (x1 + x2) / 2;
      var y1 = (pos[e.from] + off).toFixed(1), y2 = (pos[e.to] + off).toFixed(1);
      ee.setAttribute('d', 'M' + x1 + ' ' + y1 + 'C' + mid.toFixed(1) + ' ' + y1 + ' ' +
        mid.toFixed(1) + ' ' + y2 + ' ' + x2 + ' ' + y2);
    });
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + height);
  }

  function shorten(s, n) {
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function select(kind, i) {
    if (selected) {
      var prev = selected.kind === 'node' ? nodeEl[selected.i] : edgeEl[selected.i];
      if (prev) prev.classList.remove('sel');
      svg.querySelectorAll('.edge.hl').forEach(function (e) { e.classList.remove('hl'); });
    }
    selected = { kind: kind, i: i };
    var cur = kind === 'node' ? nodeEl[i] : edgeEl[i];
    if (cur) cur.classList.add('sel');
    if (kind === 'node') {
      edgesOf[i].forEach(function (k) { if (edgeEl[k]) edgeEl[k].classList.add('hl'); });
    }
  }

  function findingsList(parent, list) {
    if (!list.length) { parent.appendChild(el('p', 'empty', 'No finding involves it.')); return; }
    parent.appendChild(el('h4', null, 'Findings'));
    var ul = el('ul');
    list.forEach(function (i) {
      var x = D.findings[i];
      var li = el('li');
      li.appendChild(el('span', 'badge sev-' + x.severity, x.severity));
      li.appendChild(document.createTextNode(' '));
      var a = el('a', null, x.rule);
      a.href = '#f' + i;
      li.appendChild(a);
      li.appendChild(document.createTextNode(' '));
      message(li, x.message);
      if (x.status !== 'open') li.appendChild(el('span', 'note', ' (' + x.status + ')'));
      li.appendChild(el('div', 'where', x.file + ':' + x.line));
      ul.appendChild(li);
    });
    parent.appendChild(ul);
  }

  function showNode(i) {
    select('node', i);
    var n = D.nodes[i];
    details.textContent = '';
    details.appendChild(el('h3', null, n.address));
    var facts = el('ul');
    facts.appendChild(el('li', null, 'kind: ' + n.kind));
    if (n.detail) facts.appendChild(el('li', null, (n.side === 'left' ? 'name: ' : 'name or members: ') + n.detail));
    facts.appendChild(el('li', null, 'unit: ' + n.unit));
    if (n.tier) facts.appendChild(el('li', null, 'tier: ' + n.tier + (n.reason ? ', from ' + n.reason : '')));
    if (n.side === 'left') {
      facts.appendChild(el('li', null, 'workloads: ' + (n.workloads.length ? n.workloads.join(', ') : 'none') +
        (n.reason ? ', from ' + n.reason : '')));
    }
    if (n.at) facts.appendChild(el('li', null, 'declared at ' + where(n.at)));
    details.appendChild(facts);
    var s = snippet(n.snippet);
    if (s) details.appendChild(s);
    var edges = edgesOf[i].filter(function (k) { return edgeVisible[k]; });
    details.appendChild(el('h4', null, (n.side === 'left' ? 'Reaches' : 'Reached by') + ' (' + edges.length + ')'));
    var ul = el('ul');
    edges.forEach(function (k) {
      var e = D.edges[k];
      var other = D.nodes[n.side === 'left' ? e.to : e.from];
      var li = el('li');
      var a = el('a', null, e.class + ' ' + other.address);
      a.href = '#';
      a.className = 'edge-link s-' + e.state;
      a.addEventListener('click', function (ev) { ev.preventDefault(); showEdge(k); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    details.appendChild(ul);
    findingsList(details, n.findings);
  }

  function showEdge(i) {
    select('edge', i);
    var e = D.edges[i];
    var a = D.nodes[e.from], b = D.nodes[e.to];
    details.textContent = '';
    details.appendChild(el('h3', 'edge-title', a.address + ' → ' + b.address));
    details.appendChild(el('p', 'edge-class', 'access: ' + e.class + (e.state === 'finding' ? ' (a finding rests on it)' : '')));
    e.grants.forEach(function (g) {
      var box = el('div', 'grant');
      box.appendChild(el('div', 'via', g.via + ' policy ' + g.document + ' at ' + g.file + ':' + g.line +
        (g.conditional ? ' (conditional)' : '') +
        (g.kms_gate === 'denied' ? ' (no kms:Decrypt on the bucket key)' : '') +
        (g.kms_gate === 'unknown' ? ' (kms:Decrypt on the bucket key not known)' : '')));
      box.appendChild(el('div', 'actions', g.actions.join(', ')));
      var s = snippet(g.snippet);
      if (s) box.appendChild(s);
      details.appendChild(box);
    });
    findingsList(details, e.findings);
  }

  svg.addEventListener('click', function (ev) {
    var t = ev.target.closest('.node, .edge, .group');
    if (!t) return;
    var i = Number(t.getAttribute('data-i'));
    if (t.classList.contains('node')) showNode(i);
    else if (t.classList.contains('edge')) showEdge(i);
    else { collapsed[i] = !collapsed[i]; layout(); }
  });

  ['f-unit', 'f-tier', 'f-workload', 'f-class', 'f-rule', 'f-severity', 'f-flagged'].forEach(function (id) {
    document.getElementById(id).addEventListener('change', apply);
  });
  var timer = null;
  document.getElementById('f-search').addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  document.getElementById('collapse-all').addEventListener('click', function () {
    D.groups.forEach(function (_, i) { collapsed[i] = true; });
    layout();
  });
  document.getElementById('expand-all').addEventListener('click', function () {
    collapsed = {};
    layout();
  });

  if (D.nodes.length > AUTO_COLLAPSE_NODES) {
    D.groups.forEach(function (g, i) { if (g.nodes.length > 3) collapsed[i] = true; });
  }
  apply();
  document.body.setAttribute('data-ready', 'true');
})();
