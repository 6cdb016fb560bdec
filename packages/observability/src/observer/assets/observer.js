// The observer page: one EventSource of snapshots, re-rendered on each; charts by uPlot.
// Plain browser JavaScript, no build step: it is served as it is written.
(function () {
  'use strict';
  var WINDOW = 120; // points kept in the charts (one per snapshot)
  var open = new Set(['']); // tree paths (child ids joined by '/') the user expanded; the roots start open
  var selectedPath = null;
  var last = null; // the previous snapshot, for rates
  var series = { t: [], rss: [], heap: [], ab: [], msgs: {}, total: [], load: {} };
  var charts = {};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) {
      node.appendChild(c);
    });
    return node;
  }
  function mib(bytes) {
    return (bytes / 1048576).toFixed(1);
  }
  function fillTable(id, rows) {
    var body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren.apply(
      body,
      rows.map(function (cells) {
        return el(
          'tr',
          {},
          cells.map(function (c) {
            return el('td', { text: String(c) });
          }),
        );
      }),
    );
  }

  function chart(id, labels) {
    var opts = {
      width: 360,
      height: 180,
      scales: { x: { time: true } },
      series: [{}].concat(
        labels.map(function (l, i) {
          return {
            label: l,
            stroke: ['#3366cc', '#dc3912', '#109618', '#990099', '#ff9900', '#0099c6'][i % 6],
            width: 1.5,
          };
        }),
      ),
      legend: { show: true },
    };
    var target = document.getElementById(id);
    target.replaceChildren();
    return new uPlot(
      opts,
      [[]].concat(
        labels.map(function () {
          return [];
        }),
      ),
      target,
    );
  }

  function push(arr, v) {
    arr.push(v);
    if (arr.length > WINDOW) arr.shift();
  }

  function updateCharts(s) {
    var t = s.at / 1000;
    push(series.t, t);
    push(series.rss, s.node.memory.rss / 1048576);
    push(series.heap, s.node.memory.heapUsed / 1048576);
    push(series.ab, s.node.memory.arrayBuffers / 1048576);
    var dt = last ? (s.at - last.at) / 1000 : 0;
    var total = 0;
    var names = s.node.schedulers.map(function (x) {
      return 'scheduler ' + x.scheduler;
    });
    s.node.schedulers.forEach(function (x) {
      var prev =
        last &&
        last.node.schedulers.find(function (p) {
          return p.scheduler === x.scheduler;
        });
      var rate = prev && dt > 0 ? ((x.messages - prev.messages + 4294967296) % 4294967296) / dt : 0;
      x.rate = rate;
      total += rate;
      series.msgs[x.scheduler] = series.msgs[x.scheduler] || [];
      series.load[x.scheduler] = series.load[x.scheduler] || [];
    });
    // every scheduler's series stays as long as the time axis
    Object.keys(series.msgs).forEach(function (k) {
      var x = s.node.schedulers.find(function (p) {
        return String(p.scheduler) === k;
      });
      push(series.msgs[k], x ? x.rate : null);
      push(series.load[k], x ? x.utilisation : null);
    });
    push(series.total, total);
    if (!charts.memory) charts.memory = chart('chart-memory', ['RSS', 'heap used', 'array buffers']);
    if (!charts.messages || charts.messagesCount !== names.length) {
      charts.messages = chart('chart-messages', ['total'].concat(names));
      charts.load = chart('chart-load', names);
      charts.messagesCount = names.length;
    }
    var keys = Object.keys(series.msgs);
    charts.memory.setData([series.t, series.rss, series.heap, series.ab]);
    charts.messages.setData(
      [series.t, series.total].concat(
        keys.map(function (k) {
          return series.msgs[k];
        }),
      ),
    );
    charts.load.setData(
      [series.t].concat(
        keys.map(function (k) {
          return series.load[k];
        }),
      ),
    );
  }

  function processLabel(p) {
    return [
      el('span', { class: 'kind ' + p.kind, text: p.kind }),
      document.createTextNode(' ' + (p.id || p.name || p.behaviour) + ' '),
      el('span', { class: 'pid', text: p.pid }),
      document.createTextNode(p.name && p.id ? ' (' + p.name + ')' : ''),
      el('span', { class: 'restarts', text: p.restarts > 0 ? ' restarts ' + p.restarts : '' }),
    ];
  }

  function renderProcess(p, path) {
    var selected = selectedPath === path;
    if (selected) showInfo(p);
    if (p.children.length === 0) {
      var leaf = el(
        'div',
        {
          class: 'proc leaf' + (selected ? ' selected' : ''),
          'data-path': path,
          'data-pid': p.pid,
          'data-restarts': String(p.restarts),
        },
        processLabel(p),
      );
      leaf.addEventListener('click', function () {
        selectedPath = path;
        render(last);
      });
      return leaf;
    }
    var label = el('span', { class: 'label' }, processLabel(p));
    var summary = el('summary', {}, [label]);
    summary.addEventListener('click', function () {
      selectedPath = path;
    });
    var details = el(
      'details',
      {
        class: 'proc' + (selected ? ' selected' : ''),
        'data-path': path,
        'data-pid': p.pid,
        'data-restarts': String(p.restarts),
      },
      [summary].concat(
        p.children.map(function (c, i) {
          return renderProcess(c, path + '/' + (c.id || c.name || '#' + i));
        }),
      ),
    );
    if (open.has(path)) details.open = true;
    details.addEventListener('toggle', function () {
      if (details.open) open.add(path);
      else open.delete(path);
    });
    return details;
  }

  function showInfo(p) {
    var rows = [
      ['pid', p.pid],
      ['child id', p.id || '-'],
      ['registered name', p.name || '-'],
      ['behaviour', p.behaviour],
      ['status', p.status],
      ['current callback', p.currentCallback || 'none (waiting for a message)'],
      ['memory (state and mailbox)', p.memory === null ? '-' : p.memory + ' B'],
      ['message queue', p.messageQueueLen],
      ['messages handled', p.messagesHandled],
      ['links', p.links.join(' ') || '-'],
      ['monitors', p.monitors.join(' ') || '-'],
      ['monitored by', p.monitoredBy.join(' ') || '-'],
      ['traps exits', p.trapExit],
      ['scheduler', p.scheduler],
      ['restarts (as this child)', p.restarts],
    ];
    var box = document.getElementById('process');
    var table = el(
      'table',
      {},
      rows.map(function (r) {
        return el('tr', {}, [el('th', { text: r[0] }), el('td', { text: String(r[1]) })]);
      }),
    );
    var parts = [el('h3', { text: p.id || p.name || p.pid }), table];
    if (last && last.canKill) {
      var button = el('button', { type: 'button', id: 'kill', text: 'Kill ' + p.pid });
      button.addEventListener('click', function () {
        fetch('kill', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ pid: p.pid }),
        });
      });
      parts.push(button);
    }
    box.replaceChildren.apply(box, parts);
  }

  function render(s) {
    if (!s) return;
    var mem = s.node.memory;
    document.getElementById('summary').textContent =
      s.node.processes +
      ' processes · RSS ' +
      mib(mem.rss) +
      ' MiB · heap ' +
      mib(mem.heapUsed) +
      ' / ' +
      mib(mem.heapTotal) +
      ' MiB · array buffers ' +
      mib(mem.arrayBuffers) +
      ' MiB · observed for ' +
      Math.round(s.node.uptimeSeconds) +
      ' s';
    fillTable(
      'schedulers',
      s.node.schedulers.map(function (x) {
        return [
          x.scheduler,
          x.alive ? 'yes' : 'no',
          x.processes,
          x.runQueue,
          (x.utilisation * 100).toFixed(0) + ' %',
          Math.round(x.rate || 0),
        ];
      }),
    );
    var trees = document.getElementById('trees');
    trees.replaceChildren.apply(
      trees,
      s.applications.map(function (a) {
        return el('div', { class: 'app' }, [
          el('h3', { text: a.name }),
          a.tree ? renderProcess(a.tree, '') : el('p', { class: 'hint', text: 'not running' }),
        ]);
      }),
    );
    fillTable(
      'ets',
      s.ets.map(function (t) {
        return [t.name, t.type, t.size, t.memory, t.capacity, t.owner, t.heir];
      }),
    );
    var shardRows = [];
    s.registries.forEach(function (r) {
      r.shards.forEach(function (x) {
        shardRows.push([
          r.name,
          x.shard,
          x.entries,
          x.lookups,
          x.cacheHits === undefined ? '-' : x.cacheHits,
          x.writes,
        ]);
      });
    });
    fillTable('registries', shardRows);
    document.getElementById('session-count').textContent = '(' + s.sessions.count + ')';
    fillTable(
      'sessions',
      s.sessions.shown.map(function (x) {
        return [x.transport, x.protocolVersion || '-', x.ageSeconds.toFixed(0) + ' s'];
      }),
    );
  }

  var status = document.getElementById('status');
  var source = new EventSource('events');
  source.onmessage = function (event) {
    var s = JSON.parse(event.data);
    status.textContent = 'live';
    status.dataset.state = 'live';
    updateCharts(s);
    last = s;
    render(s);
  };
  source.onerror = function () {
    status.textContent = 'reconnecting…';
    status.dataset.state = 'lost';
  };
})();
