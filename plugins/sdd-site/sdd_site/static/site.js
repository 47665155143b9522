/* sdd-site: the index's filters (status, domain, phase, text); kept in the URL's hash. */
(function () {
  'use strict';
  var table = document.getElementById('specs');
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var fields = {q: 'f-text', status: 'f-status', domain: 'f-domain', phase: 'f-phase'};
  var inputs = {};
  Object.keys(fields).forEach(function (k) {
    var el = document.getElementById(fields[k]);
    if (el) { inputs[k] = el; }
  });

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    Object.keys(inputs).forEach(function (k) {
      inputs[k].value = params.get(k) || '';
    });
  }

  function writeHash() {
    var params = new URLSearchParams();
    Object.keys(inputs).forEach(function (k) {
      if (inputs[k].value) { params.set(k, inputs[k].value); }
    });
    var text = params.toString();
    history.replaceState(null, '', text ? '#' + text : location.pathname + location.search);
  }

  function apply() {
    var q = (inputs.q ? inputs.q.value : '').trim().toLowerCase().split(/\s+/).filter(Boolean);
    var st = inputs.status ? inputs.status.value : '';
    var dm = inputs.domain ? inputs.domain.value : '';
    var ph = inputs.phase ? inputs.phase.value : '';
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = (!st || d.status === st) && (!dm || d.domain === dm) && (!ph || d.phase === ph) &&
        q.every(function (w) { return d.search.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById('f-count').textContent = shown + ' of ' + rows.length + ' shown';
    document.getElementById('f-empty').hidden = shown !== 0;
  }

  readHash();
  apply();
  Object.keys(inputs).forEach(function (k) {
    inputs[k].addEventListener('input', function () { apply(); writeHash(); });
  });
  window.addEventListener('hashchange', function () { readHash(); apply(); });
})();
