// Staff pages: refresh the queue by itself, the FAQ editor's live preview, and on a conversation
// the reply's draft, FAQ answers inserted at the cursor and keyboard shortcuts. No third parties.
(function () {
  'use strict';
  var REFRESH_MS = 15000;
  // Reply drafts live in this tab's sessionStorage only (staff share devices; a draft may hold
  // personal data), one per account and conversation, and go when sent or on signing out.
  var DRAFT_PREFIX = 'staff-draft:';
  var SHORTCUTS_OFF = 'staff-shortcuts-off'; // a preference, in localStorage: no personal data

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


  // Keep the reply box's text across reloads; forget it once the server said it was sent.
  function keepDraft(form) {
    var box = form.querySelector('textarea');
    var key = DRAFT_PREFIX + form.getAttribute('data-draft-key');
    var hint = document.getElementById('reply-hint');
    try {
      if (form.hasAttribute('data-reply-sent')) {
        sessionStorage.removeItem(key);
      } else if (box.value) {
        sessionStorage.setItem(key, box.value); // an answer the server inserted (no script)
      } else {
        box.value = sessionStorage.getItem(key) || '';
      }
    } catch (e) { return; /* storage turned off: no drafts, and no hint promising them */ }
    box.addEventListener('input', function () {
      try {
        if (box.value) { sessionStorage.setItem(key, box.value); } else { sessionStorage.removeItem(key); }
      } catch (e) { /* full or turned off: the box still works */ }
    });
    hint.hidden = false;
    box.setAttribute('aria-describedby', 'reply-hint');
  }

  function forgetDrafts() {
    try {
      Object.keys(sessionStorage).forEach(function (key) {
        if (key.indexOf(DRAFT_PREFIX) === 0) { sessionStorage.removeItem(key); }
      });
    } catch (e) { /* nothing kept */ }
  }

  // Put text into the reply box at the cursor (replacing a selection), on a line of its own.
  function insertAtCursor(box, text) {
    var start = box.selectionStart;
    var before = box.value.slice(0, start);
    var after = box.value.slice(box.selectionEnd);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? '\n' : '\n\n') : '';
    var tail = after && !/^\n/.test(after) ? '\n\n' : '';
    box.value = before + lead + text + tail + after;
    box.focus();
    box.selectionStart = box.selectionEnd = before.length + lead.length + text.length;
    box.dispatchEvent(new Event('input')); // keeps the draft
  }

  // Search FAQ answers without leaving the page; the results are server-rendered (autoescaped)
  // and an answer's text is read from the page with textContent. Any surprise (signed out, a
  // server error): the form goes the way it goes without script.
  function answerSearch(form, results, box) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var url = form.getAttribute('data-partial') + '&' +
        new URLSearchParams(new FormData(form)).toString();
      fetch(url, { credentials: 'same-origin' })
        .then(function (response) {
          if (response.redirected || !(response.ok || response.status === 400)) { throw response; }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, 'text/html').body;
          results.replaceChildren.apply(results, Array.prototype.slice.call(fresh.childNodes));
        })
        .catch(function () { form.submit(); });
    });
    results.addEventListener('click', function (event) {
      var link = event.target.closest('a.insert');
      if (!link) { return; }
      event.preventDefault();
      insertAtCursor(box, link.closest('li').querySelector('.answer-text').textContent);
    });
  }

  // c, r, x: the page's buttons and box that name the key in aria-keyshortcuts. Not while
  // typing in a field (Escape leaves it), not with a modifier, and not when turned off.
  function shortcuts(list) {
    var toggle = document.getElementById('shortcuts-on');
    try { toggle.checked = localStorage.getItem(SHORTCUTS_OFF) !== '1'; } catch (e) { /* on */ }
    toggle.addEventListener('change', function () {
      try {
        if (toggle.checked) { localStorage.removeItem(SHORTCUTS_OFF); } else { localStorage.setItem(SHORTCUTS_OFF, '1'); }
      } catch (e) { /* for this page only */ }
    });
    list.hidden = false;
    document.addEventListener('keydown', function (event) {
      var field = event.target.closest && event.target.closest('input, textarea, select, [contenteditable]');
      if (event.key === 'Escape') {
        if (field) { field.blur(); }
        return;
      }
      if (field || !toggle.checked || event.ctrlKey || event.metaKey || event.altKey ||
          event.repeat || event.isComposing || !/^[crx]$/.test(event.key)) { return; }
      var target = document.querySelector('[aria-keyshortcuts="' + event.key + '"]');
      if (!target) { return; }
      event.preventDefault();
      if (target.tagName === 'TEXTAREA') { target.focus(); } else { target.click(); }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('faq-form');
    if (form) { livePreview(form); }
    var reply = document.getElementById('reply-form');
    if (reply) {
      keepDraft(reply);
      answerSearch(document.getElementById('faq-answers-search'),
        document.getElementById('faq-answers'), reply.querySelector('textarea'));
      shortcuts(document.getElementById('shortcuts'));
    }
    var signOut = document.getElementById('sign-out');
    if (signOut) { signOut.addEventListener('submit', forgetDrafts); }
    var container = document.getElementById('queue');
    if (container) {
      setInterval(function () { refreshQueue(container); }, REFRESH_MS);
    }
  });
}());
