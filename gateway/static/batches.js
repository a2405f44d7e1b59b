/* LSR batch page: follow the worker's progress without reloading the page (business-rules §12).
   Polls the batch's progress.json; when the batch is done, swaps in the results table. */
(function () {
  'use strict';
  var box = document.getElementById('batch-status');
  if (!box) { return; }
  var url = box.getAttribute('data-progress-url');
  var bar = document.getElementById('batch-progress');
  var polls = 0;
  var latest = 0;  // only the newest results fetch may replace the table (no stale overwrite)
  // background fetches: the server neither rewrites the session cookie nor counts them as
  // activity (gateway/auth/sessions.py)
  var BACKGROUND_HTML = {Accept: 'text/html', 'X-Portgate-Background': '1'};
  var BACKGROUND_JSON = {Accept: 'application/json', 'X-Portgate-Background': '1'};

  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = String(value); }
  }

  function refreshResults() {
    latest += 1;
    var mine = latest;
    return fetch(window.location.href, {credentials: 'same-origin', headers: BACKGROUND_HTML})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== latest) { return; }
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('batch-results');
        var current = document.getElementById('batch-results');
        if (fresh && current) { current.replaceWith(fresh); }
      });
  }

  function update(data) {
    bar.max = data.total;
    bar.value = data.done;
    bar.textContent = data.done + ' of ' + data.total;
    set('batch-done', data.done);
    set('batch-created', data.outcomes.created);
    set('batch-duplicate', data.outcomes.duplicate);
    set('batch-refused', data.outcomes.refused);
    var badge = document.getElementById('batch-status-badge');
    if (badge) { badge.textContent = data.status; badge.className = 'badge ' + data.status; }
    box.setAttribute('data-status', data.status);
    polls += 1;
    if (data.status === 'done') { return refreshResults(); }
    if (polls % 5 === 0 && data.done > 0) { refreshResults(); }  // rows so far, every 5 s
    window.setTimeout(poll, 1000);
    return null;
  }

  function poll() {
    fetch(url, {credentials: 'same-origin', headers: BACKGROUND_JSON})
      .then(function (r) { return r.json(); })
      .then(update)
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (box.getAttribute('data-status') !== 'done') { window.setTimeout(poll, 500); }
}());
