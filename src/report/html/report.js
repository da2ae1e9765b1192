// mlguard HTML report: details on click, filters, search and collapsible groups for the access
// graph that the report lays out as SVG. Values from the scanned code are only ever written with
// textContent, never as markup.
(function () {
  'use strict';
  var started = performance.now();
  var D = JSON.parse(document.getElementById('data').textContent);
  var L = D.layout;
  // nodes arrive as arrays: [side, kind, address, detail, unit, tier, workloads, reason, file,
  // line, findings], their repeated strings in `strings`
  // groups: [side, unit, cloud, key, nodes]; strings by index into `strings`
  D.groups = D.groups.map(function (a) {
    return { side: a[0] ? 'right' : 'left', unit: D.strings[a[1]], cloud: D.strings[a[2]],
      key: D.strings[a[3]], nodes: a[4] };
  });
  D.findings.forEach(function (f) { f.file = D.strings[f.file]; });
  D.nodes = D.nodes.map(function (a) {
    return { side: a[0] ? 'right' : 'left', kind: a[1], address: a[2], detail: a[3],
      unit: D.strings[a[4]], tier: a[5], workloads: a[6], reason: D.strings[a[7]],
      file: D.strings[a[8]], line: a[9], findings: a[10] };
  });
  // edges arrive as arrays (see `data` in html.rs): [from, to, class, grants, findings]
  D.edges = D.edges.map(function (a) {
    return { from: a[0], to: a[1], class: D.classes[a[2]], grants: a[3], findings: a[4], state: stateOf(a[4]) };
  });
  // the drawn lines: runs of edges with the same ends, in the report's order
  D.links = [];
  D.edges.forEach(function (e, i) {
    var last = D.links[D.links.length - 1];
    if (last && last.from === e.from && last.to === e.to) last.edges.push(i);
    else D.links.push({ from: e.from, to: e.to, edges: [i] });
  });
  D.links.forEach(function (l) {
    var states = l.edges.map(function (k) { return D.edges[k].state; });
    l.state = states.indexOf('finding') >= 0 ? 'finding' : states.indexOf('accepted') >= 0 ? 'accepted' : 'none';
  });

  // `finding` when an open finding rests on it, `accepted` when only suppressed or baseline ones do
  function stateOf(findings) {
    var state = 'none';
    for (var i = 0; i < findings.length; i++) {
      if (D.findings[findings[i]].status === 'open') return 'finding';
      state = 'accepted';
    }
    return state;
  }

  // one grant of an edge: [statement, action list, flags]
  function grant(g) {
    var st = D.statements[g[0]];
    return { via: D.strings[st[0]], document: D.strings[st[1]], file: D.strings[st[2]], line: st[3], snippet: st[4],
      actions: D.actions[g[1]], conditional: (g[2] & 1) === 1, kms_gate: D.kms_gates[g[2] >> 1] };
  }

  function linkTitle(i) {
    var l = D.links[i];
    return D.nodes[l.from].address + ' → ' + D.nodes[l.to].address + ': ' +
      l.edges.map(function (k) { return D.edges[k].class; }).join(', ');
  }
  var svg = document.getElementById('graph');
  var details = document.getElementById('details');
  var nodeEl = D.nodes.map(function (_, i) { return document.getElementById('n' + i); });
  // one drawn line per (principal, target), standing for the edges of each action class
  var linkEl = D.links.map(function (_, i) { return document.getElementById('e' + i); });
  var groupEl = D.groups.map(function (_, i) { return document.getElementById('g' + i); });
  var findingEl = D.findings.map(function (_, i) { return document.getElementById('f' + i); });
  // beyond this many nodes every unit starts folded onto its title
  var AUTO_COLLAPSE_NODES = 300;
  var collapsed = {};
  // units folded onto their title, by column and band
  var unitCollapsed = { left: {}, right: {} };
  var nodeVisible = [];
  var edgeVisible = [];
  var linkVisible = [];
  var selected = null;
  // for a line drawn for a collapsed group: the lines folded into it
  var foldedInto = {};

  // the unit bands of each column, in order, and the band each group sits under
  var bandEl = { left: svg.querySelectorAll('#left > .unit'), right: svg.querySelectorAll('#right > .unit') };
  var bandText = { left: [], right: [] };
  ['left', 'right'].forEach(function (side) {
    Array.prototype.forEach.call(bandEl[side], function (b) { bandText[side].push(b.textContent); });
  });
  var bandOf = [];
  (function () {
    var count = { left: -1, right: -1 }, last = { left: null, right: null };
    D.groups.forEach(function (g, gi) {
      var key = g.unit + '\n' + g.cloud;
      if (last[g.side] !== key) { last[g.side] = key; count[g.side] += 1; }
      bandOf[gi] = count[g.side];
    });
  })();

  var linksOf = D.nodes.map(function () { return []; });
  D.links.forEach(function (l, i) { linksOf[l.from].push(i); linksOf[l.to].push(i); });

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

  // one text node per snippet, line numbers included: a large report fills thousands at once
  function snippet(i, into) {
    if (i === null || i === undefined || !D.snippets[i]) return null;
    // [file, first line, text]
    var s = D.snippets[i];
    var pre = into || el('pre', 'snippet');
    pre.textContent = s[2].split('\n').map(function (line, k) {
      return String(s[1] + k).padStart(5, ' ') + '  ' + line;
    }).join('\n') + '\n';
    return pre;
  }


  function where(n) {
    return n.file ? n.file + ':' + n.line : '';
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
    // a tier or workload filter keeps, on the other side, only what reaches it
    var narrowLeft = narrowing || f.tier, narrowRight = narrowing || f.workload;
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
      if (ok && (n.side === 'left' ? narrowLeft : narrowRight)) {
        ok = hasEdge[i] || (f.q && matches(n)) ||
          (byFinding && !f.q && !f.cls && !f.flagged && n.findings.some(findingOk));
      }
      nodeVisible[i] = ok;
    });
    D.links.forEach(function (l, i) {
      linkVisible[i] = l.edges.some(function (e) { return edgeVisible[e]; });
    });
    // a filter that leaves a readable number of nodes unfolds everything
    var shown = nodeVisible.filter(Boolean).length;
    if (narrowing || f.unit || f.tier || f.workload) {
      if (shown <= AUTO_COLLAPSE_NODES) { collapsed = {}; unitCollapsed = { left: {}, right: {} }; }
    }
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

  function svgEl(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function hide(e) { if (e) e.classList.add('hidden'); }
  var columnEl = { left: document.getElementById('left'), right: document.getElementById('right') };

  // a node's box, made when first shown (a large estate's page starts with none)
  function nodeElOf(n) {
    if (nodeEl[n]) return nodeEl[n];
    var d = D.nodes[n];
    var flagged = d.findings.some(function (f) { return D.findings[f].status === 'open'; });
    var g = svgEl('g', { id: 'n' + n, 'class': 'node k-' + d.kind + (flagged ? ' flagged' : '') });
    g.appendChild(svgEl('rect', { width: L.node_w, height: L.node_h, rx: 3 }));
    var t = svgEl('text', { x: 6, y: 12 });
    t.textContent = shorten(d.address, D.label_chars);
    g.appendChild(t);
    var title = svgEl('title');
    title.textContent = d.address;
    g.appendChild(title);
    columnEl[d.side].appendChild(g);
    nodeEl[n] = g;
    return g;
  }

  function groupElOf(gi) {
    if (groupEl[gi]) return groupEl[gi];
    var d = D.groups[gi];
    var g = svgEl('g', { id: 'g' + gi, 'class': 'group' });
    g.appendChild(svgEl('rect', { 'class': 'ghead', width: L.node_w, height: L.header - 4, rx: 3 }));
    g.appendChild(svgEl('text', { x: 6, y: 14 }));
    var title = svgEl('title');
    title.textContent = d.unit + ' · ' + d.cloud + ' · ' + d.key;
    g.appendChild(title);
    columnEl[d.side].appendChild(g);
    groupEl[gi] = g;
    return g;
  }

  // the line for link i, made when first shown (a large estate's page draws none itself)
  var RANK = ['manage-permissions', 'write', 'admin', 'tagging', 'deploy-model', 'approve-model',
    'invoke-model', 'read', 'list'];
  var edgesGroup = document.getElementById('edges');
  function lineEl(i) {
    if (linkEl[i]) return linkEl[i];
    var l = D.links[i];
    var classes = l.edges.map(function (k) { return D.edges[k].class; });
    var k = RANK.filter(function (c) { return classes.indexOf(c) >= 0; })[0] || 'read';
    var p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.id = 'e' + i;
    p.setAttribute('class', 'edge k-' + k + ' s-' + l.state);
    edgesGroup.appendChild(p);
    linkEl[i] = p;
    return p;
  }

  // stack each column as the report does, skipping hidden nodes and folding collapsed groups
  // and units onto their titles
  function layout() {
    var pos = [];
    var folded = [];
    var height = 60;
    ['left', 'right'].forEach(function (side) {
      var x = side === 'left' ? L.left_x : L.right_x;
      var y = L.top;
      var lastBand = -1, bandY = 0, bandCount = {};
      Array.prototype.forEach.call(bandEl[side], function (b) { b.classList.add('hidden'); });
      D.groups.forEach(function (g, gi) {
        if (g.side !== side) return;
        var shown = g.nodes.filter(function (n) { return nodeVisible[n]; });
        if (!shown.length) {
          hide(groupEl[gi]);
          g.nodes.forEach(function (n) { hide(nodeEl[n]); });
          return;
        }
        var band = bandOf[gi];
        if (band !== lastBand) {
          lastBand = band;
          bandY = y;
          var b = bandEl[side][band];
          if (b) {
            b.classList.remove('hidden');
            b.setAttribute('transform', 'translate(' + x + ',' + y + ')');
          }
          y += L.header;
          if (unitCollapsed[side][band]) y += L.gap / 2;
        }
        bandCount[band] = (bandCount[band] || 0) + shown.length;
        if (unitCollapsed[side][band]) {
          hide(groupEl[gi]);
          g.nodes.forEach(function (n) { hide(nodeEl[n]); });
          shown.forEach(function (n) { pos[n] = bandY + 11; folded[n] = side + 'u' + band; });
          return;
        }
        var ge = groupElOf(gi);
        ge.classList.remove('hidden');
        ge.setAttribute('transform', 'translate(' + x + ',' + y + ')');
        var label = ge.querySelector('text');
        var count = shown.length === g.nodes.length ? String(g.nodes.length) : shown.length + '/' + g.nodes.length;
        label.textContent = (collapsed[gi] ? '▸ ' : '▾ ') + shorten(g.key, 36) + ' (' + count + ')';
        var headY = y;
        y += L.header;
        g.nodes.forEach(function (n) {
          if (!nodeVisible[n] || collapsed[gi]) hide(nodeEl[n]);
          if (!nodeVisible[n]) return;
          if (collapsed[gi]) {
            pos[n] = headY + (L.header - 4) / 2;
            folded[n] = 'g' + gi;
          } else {
            var ne = nodeElOf(n);
            ne.classList.remove('hidden');
            ne.setAttribute('transform', 'translate(' + x + ',' + y + ')');
            pos[n] = y + L.node_h / 2;
            y += L.row;
          }
        });
        y += L.gap;
      });
      Object.keys(bandCount).forEach(function (band) {
        var b = bandEl[side][band];
        if (b) b.textContent = (unitCollapsed[side][band] ? '▸ ' : '▾ ') + bandText[side][band] + ' (' + bandCount[band] + ')';
      });
      height = Math.max(height, y);
    });
    var drawn = {};
    foldedInto = {};
    D.links.forEach(function (e, i) {
      if (!linkVisible[i]) {
        if (linkEl[i]) linkEl[i].classList.add('hidden');
        return;
      }
      // lines folded into a collapsed group or unit are drawn once per pair of ends
      if (folded[e.from] !== undefined || folded[e.to] !== undefined) {
        var key = (folded[e.from] !== undefined ? folded[e.from] : 'n' + e.from) + '>' +
          (folded[e.to] !== undefined ? folded[e.to] : 'n' + e.to);
        if (drawn[key] !== undefined) {
          foldedInto[drawn[key]].push(i);
          if (linkEl[i]) linkEl[i].classList.add('hidden');
          return;
        }
        drawn[key] = i;
        foldedInto[i] = [i];
      }
      var ee = lineEl(i);
      ee.classList.remove('hidden');
      var x1 = L.left_x + L.node_w, x2 = L.right_x, mid = Math.round((x1 + x2) / 2);
      var y1 = Math.round(pos[e.from]), y2 = Math.round(pos[e.to]);
      ee.setAttribute('d', 'M' + x1 + ' ' + y1 + 'C' + mid + ' ' + y1 + ' ' + mid + ' ' + y2 + ' ' + x2 + ' ' + y2);
    });
    // a line standing for several shows the worst state among them
    Object.keys(foldedInto).forEach(function (k) {
      var states = foldedInto[k].map(function (j) { return D.links[j].state; });
      var worst = states.indexOf('finding') >= 0 ? 'finding' : states.indexOf('accepted') >= 0 ? 'accepted' : 'none';
      ['finding', 'accepted', 'none'].forEach(function (st) { linkEl[k].classList.toggle('s-' + st, st === worst); });
    });
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + height);
  }

  function shorten(s, n) {
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function select(kind, i) {
    if (selected) {
      var prev = selected.kind === 'node' ? nodeEl[selected.i] : linkEl[selected.i];
      if (prev) prev.classList.remove('sel');
      svg.querySelectorAll('.edge.hl').forEach(function (e) { e.classList.remove('hl'); });
    }
    selected = { kind: kind, i: i };
    var cur = kind === 'node' ? nodeEl[i] : linkEl[i];
    if (cur) cur.classList.add('sel');
    if (kind === 'node') {
      linksOf[i].forEach(function (k) { if (linkEl[k]) linkEl[k].classList.add('hl'); });
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
      a.addEventListener('click', function () {
        var target = document.getElementById('f' + i);
        var rule = target && target.closest('details');
        if (rule) rule.open = true;
      });
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
    if (where(n)) facts.appendChild(el('li', null, 'declared at ' + where(n)));
    details.appendChild(facts);
    var links = linksOf[i].filter(function (k) { return linkVisible[k]; });
    details.appendChild(el('h4', null, (n.side === 'left' ? 'Reaches' : 'Reached by') + ' (' + links.length + ')'));
    var ul = el('ul');
    links.forEach(function (k) {
      var l = D.links[k];
      var other = D.nodes[n.side === 'left' ? l.to : l.from];
      var classes = l.edges.map(function (e) { return D.edges[e].class; }).join(', ');
      var li = el('li');
      var a = el('a', null, other.address + ' (' + classes + ')');
      a.href = '#';
      a.className = 'edge-link s-' + l.state;
      a.addEventListener('click', function (ev) { ev.preventDefault(); showLink(k); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    details.appendChild(ul);
    findingsList(details, n.findings);
  }

  function showLink(i) {
    select('link', i);
    var l = D.links[i];
    var a = D.nodes[l.from], b = D.nodes[l.to];
    details.textContent = '';
    details.appendChild(el('h3', 'edge-title', a.address + ' → ' + b.address));
    var classes = l.edges.map(function (k) { return D.edges[k].class; });
    details.appendChild(el('p', 'edge-class', 'access: ' + classes.join(', ')));
    // the statements behind it, each once, with what it grants of each class
    var statements = [], byKey = {}, all = [];
    l.edges.forEach(function (k) {
      var e = D.edges[k];
      e.grants.map(grant).forEach(function (g) {
        var key = g.file + ':' + g.line + ':' + g.document;
        if (!byKey[key]) { byKey[key] = { g: g, rows: [] }; statements.push(byKey[key]); }
        byKey[key].rows.push({ cls: e.class, state: e.state, g: g });
      });
      e.findings.forEach(function (f) { if (all.indexOf(f) < 0) all.push(f); });
    });
    statements.forEach(function (st) {
      var g = st.g;
      var box = el('div', 'grant');
      box.appendChild(el('div', 'via', g.via + ' policy ' + g.document + ' at ' + g.file + ':' + g.line));
      var ul = el('ul', 'actions');
      st.rows.forEach(function (r) {
        var li = el('li', 's-' + r.state);
        li.appendChild(el('b', null, r.cls + ': '));
        li.appendChild(document.createTextNode(r.g.actions.join(', ') +
          (r.g.conditional ? ' (conditional)' : '') +
          (r.g.kms_gate === 'denied' ? ' (no kms:Decrypt on the bucket key)' : '') +
          (r.g.kms_gate === 'unknown' ? ' (kms:Decrypt on the bucket key not known)' : '')));
        ul.appendChild(li);
      });
      box.appendChild(ul);
      var s = snippet(g.snippet);
      if (s) box.appendChild(s);
      details.appendChild(box);
    });
    findingsList(details, all);
  }

  // a line standing for several, between collapsed groups: list them to pick from
  function showFolded(i) {
    select('link', i);
    details.textContent = '';
    details.appendChild(el('h3', null, foldedInto[i].length + ' lines folded into a collapsed group'));
    var ul = el('ul');
    foldedInto[i].forEach(function (k) {
      var l = D.links[k];
      var li = el('li');
      var a = el('a', 'edge-link s-' + l.state, D.nodes[l.from].address + ' → ' + D.nodes[l.to].address);
      a.href = '#';
      a.addEventListener('click', function (ev) { ev.preventDefault(); showLink(k); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    details.appendChild(ul);
  }

  svg.addEventListener('click', function (ev) {
    var t = ev.target.closest('.node, .edge, .group, .unit');
    if (!t) return;
    if (t.classList.contains('unit')) {
      var side = t.id.charAt(1) === 'l' ? 'left' : 'right', band = Number(t.id.slice(2));
      unitCollapsed[side][band] = !unitCollapsed[side][band];
      layout();
      return;
    }
    var i = Number(t.id.slice(1));
    if (t.classList.contains('node')) showNode(i);
    else if (t.classList.contains('edge')) {
      if (foldedInto[i] && foldedInto[i].length > 1) showFolded(i);
      else showLink(i);
    }
    else { collapsed[i] = !collapsed[i]; layout(); }
  });

  // tooltips for lines, made when first hovered
  svg.addEventListener('mouseover', function (ev) {
    var t = ev.target;
    if (!t.classList || !t.classList.contains('edge') || t.firstChild) return;
    var title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = linkTitle(Number(t.id.slice(1)));
    t.appendChild(title);
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
    ['left', 'right'].forEach(function (side) {
      for (var k = 0; k < bandEl[side].length; k++) unitCollapsed[side][k] = true;
    });
    layout();
  });
  document.getElementById('expand-all').addEventListener('click', function () {
    collapsed = {};
    unitCollapsed = { left: {}, right: {} };
    layout();
  });

  // a large report's findings point at snippets shared with the statements: filled in when
  // their rule is opened
  document.addEventListener('toggle', function (ev) {
    var d = ev.target;
    if (!d.open || !d.classList || !d.classList.contains('rulegroup')) return;
    Array.prototype.forEach.call(d.querySelectorAll('pre.snippet[data-s]:empty'), function (pre) {
      snippet(Number(pre.getAttribute('data-s')), pre);
    });
  }, true);
  if (D.folded) {
    ['left', 'right'].forEach(function (side) {
      for (var k = 0; k < bandEl[side].length; k++) unitCollapsed[side][k] = true;
    });
  }
  apply();
  // read by the browser test, which measures how long a large estate takes to come up
  document.body.setAttribute('data-init-ms', (performance.now() - started).toFixed(1));
  window.mlguardReport = { linkTitle: linkTitle };
  document.body.setAttribute('data-ready', 'true');
})();
