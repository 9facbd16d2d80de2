// Staff pages: refresh the queue by itself, and the FAQ editor's live preview. No third parties.
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

  // Show the answer as the widget will: the server renders and sanitises it (the widget's own
  // render), and only that sanitised HTML is put into the page.
  function livePreview(form) {
    var answer = form.querySelector('#faq-answer');
    var preview = document.getElementById('faq-preview');
    var token = form.querySelector('input[name=csrf_token]');
    var timer = null;
    if (!answer || !preview || !token || answer.readOnly) { return; }
    answer.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var body = new FormData();
        body.append('answer', answer.value);
        fetch(form.getAttribute('data-preview'), {
          method: 'POST', body: body, credentials: 'same-origin',
          headers: { 'X-CSRF-Token': token.value }
        })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            var fresh = new DOMParser().parseFromString(html, 'text/html').body;
            preview.replaceChildren.apply(preview, Array.prototype.slice.call(fresh.childNodes));
          })
          .catch(function () { /* the Preview button still works */ });
      }, 250);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('faq-form');
    if (form) { livePreview(form); }
    var container = document.getElementById('queue');
    if (container) {
      setInterval(function () { refreshQueue(container); }, REFRESH_MS);
    }
  });
}());
