// Staff pages: refresh the queue by itself, without a full page reload. No third parties.
(function () {
  'use strict';
  var REFRESH_MS = 15000;

  // Replace the queue table with a fresh server-rendered (autoescaped) copy.
  function refreshQueue(container) {
    fetch(container.getAttribute('data-refresh'), { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, 'text/html').body;
        container.replaceChildren.apply(container, Array.prototype.slice.call(fresh.childNodes));
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var container = document.getElementById('queue');
    if (container) {
      setInterval(function () { refreshQueue(container); }, REFRESH_MS);
    }
  });
}());
