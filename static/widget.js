/*! Support widget: answers visitors from the company's own FAQ, talks only to its own server.
 * Embedding, options, the queue stub and what it stores: README.md, "Embedding the widget".
 * The only HTML ever inserted is the server's sanitised answer, in renderSanitisedAnswer().
 */
(function () {
  'use strict';

  var TAG = 'support-widget';
  var W = window;
  var D = document;

  // Warn on the console; the widget never throws into the host page.
  function warn(reason) {
    try { console.warn('support-widget: ' + reason); } catch (e) {}
  }

  var TEXTS = {
    en: {
      title: 'Customer service', launcher: 'Support chat', close: 'Close', log: 'Conversation',
      label: 'Your question', placeholder: 'Ask a question…', send: 'Send', you: 'You: ',
      suggestions: 'Suggested questions',
      didYouMean: 'Did you mean:', helped: 'Did this help?', yes: 'Yes', no: 'No',
      thanks: 'Thanks for your feedback!',
      thanksNo: 'Thanks for telling us. A person from our team can help: ' +
        'use “Talk to a person”.',
      noAnswer: 'Sorry, I couldn’t find an answer to that. A person from our team can help: ' +
        'use “Talk to a person” below.',
      handoff: 'Talk to a person', privacy: 'Privacy',
      error: 'Sorry, something went wrong. Please try again.',
      wait: 'That was a lot of questions at once. Please wait a moment and try again.',
      tooLong: 'Too long to send: please shorten it.',
      offline: 'We could not reach our support service. Please check your connection and ' +
        'try again.',
      hQuestion: 'Your question for our team', hName: 'Name (optional)',
      hEmail: 'E-mail (optional)', hConsent: 'I agree to the privacy notice above.',
      noNotice: 'Sending is not possible now: the privacy notice did not load. Please try ' +
        'again later.',
      policy: 'Privacy policy', hSend: 'Send to our team', cancel: 'Cancel',
      needQuestion: 'Please write your question.', of: ' of ', chars: ' characters',
      near: 'Nearly at the limit.',
      needConsent: 'To leave your name or e-mail address, please tick the consent box.',
      badEmail: 'Please check your e-mail address.',
      badName: 'Please write your name on one line, in at most % characters.',
      writing: 'You are writing to our team.', msgLabel: 'Your message to our team',
      msgPlaceholder: 'Write to our team…', team: 'Team',
      restored: 'Your conversation with our team:',
      del: 'Delete this conversation', delAsk: 'Delete this conversation and all its messages?',
      delYes: 'Yes, delete', delNo: 'Keep it', deleted: 'Your conversation has been deleted.',
      gone: 'This conversation no longer exists.', unread1: '1 new reply', unreadN: ' new replies'
    },
    de: {
      title: 'Kundenservice', launcher: 'Support-Chat', close: 'Schließen', log: 'Unterhaltung',
      label: 'Deine Frage', placeholder: 'Stell eine Frage…', send: 'Senden', you: 'Du: ',
      suggestions: 'Vorgeschlagene Fragen',
      didYouMean: 'Meintest du:', helped: 'Hat das geholfen?', yes: 'Ja', no: 'Nein',
      thanks: 'Danke für deine Rückmeldung!',
      thanksNo: 'Danke für den Hinweis. Ein Mensch aus unserem Team hilft gern weiter: ' +
        '„Mit einer Person sprechen“.',
      noAnswer: 'Dazu habe ich leider keine Antwort gefunden. Ein Mensch aus unserem Team hilft ' +
        'gern weiter: „Mit einer Person sprechen“ unten.',
      handoff: 'Mit einer Person sprechen', privacy: 'Datenschutz',
      error: 'Entschuldigung, da ist etwas schiefgegangen. Bitte versuch es noch einmal.',
      wait: 'Das waren viele Fragen auf einmal. Bitte warte einen Moment und versuch es ' +
        'dann noch einmal.',
      tooLong: 'Zu lang zum Senden: bitte kürz den Text.',
      offline: 'Unser Support-Dienst ist gerade nicht erreichbar. Bitte prüf deine ' +
        'Verbindung und versuch es noch einmal.',
      hQuestion: 'Deine Frage an unser Team', hName: 'Name (freiwillig)',
      hEmail: 'E-Mail (freiwillig)', hConsent: 'Ich bin mit dem Datenschutzhinweis oben ' +
        'einverstanden.',
      noNotice: 'Senden geht gerade nicht: Der Datenschutzhinweis wurde nicht geladen. Bitte ' +
        'versuch es später noch einmal.',
      policy: 'Datenschutzerklärung', hSend: 'An unser Team senden', cancel: 'Abbrechen',
      needQuestion: 'Bitte schreib deine Frage.', of: ' von ', chars: ' Zeichen',
      near: 'Fast an der Höchstlänge.',
      needConsent: 'Wenn du Name oder E-Mail-Adresse angibst, setz bitte das Häkchen bei der ' +
        'Einwilligung.',
      badEmail: 'Bitte prüf deine E-Mail-Adresse.',
      badName: 'Bitte schreib deinen Namen in eine Zeile, mit höchstens % Zeichen.',
      writing: 'Du schreibst an unser Team.', msgLabel: 'Deine Nachricht an unser Team',
      msgPlaceholder: 'Schreib unserem Team…', team: 'Team',
      restored: 'Dein Gespräch mit unserem Team:',
      del: 'Dieses Gespräch löschen', delAsk: 'Dieses Gespräch mit allen Nachrichten löschen?',
      delYes: 'Ja, löschen', delNo: 'Behalten', deleted: 'Dein Gespräch wurde gelöscht.',
      gone: 'Dieses Gespräch gibt es nicht mehr.', unread1: '1 neue Antwort',
      unreadN: ' neue Antworten'
    }
  };

  var STYLES = [
    ':host{all:initial!important;--sw-accent:#1d4ed8;--sw-on-accent:#fff;--sw-ink:#1d4ed8}',
    '*{box-sizing:border-box}[hidden]{display:none!important}',
    '.sw-launcher,.sw-panel{position:fixed;right:20px;z-index:2147483000;',
    'font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;',
    'color:#111827;text-align:left;letter-spacing:normal}',
    ':host([data-position=left]) .sw-launcher,:host([data-position=left]) .sw-panel{',
    'right:auto;left:20px}',
    '.sw-launcher{bottom:20px;width:56px;height:56px;border:0;border-radius:50%;padding:0;',
    'display:flex;align-items:center;justify-content:center;cursor:pointer;',
    'background:var(--sw-accent);color:var(--sw-on-accent);box-shadow:0 4px 14px rgba(0,0,0,.3)}',
    '.sw-launcher svg{width:28px;height:28px;fill:currentColor}',
    '.sw-x{display:none;font-size:32px;line-height:1}',
    '.sw-launcher[aria-expanded=true] svg{display:none}',
    '.sw-launcher[aria-expanded=true] .sw-x{display:block}',
    '.sw-panel{bottom:88px;width:380px;max-width:calc(100vw - 40px);height:600px;',
    'max-height:calc(100vh - 108px);display:flex;flex-direction:column;overflow:hidden;',
    'background:#fff;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);',
    'animation:sw-in .18s ease-out}',
    '@keyframes sw-in{from{opacity:0;transform:translateY(8px)}}',
    '@media (max-width:480px){:host([data-position]) .sw-panel{left:10px;right:10px;',
    'width:auto;max-width:none;bottom:84px;height:calc(100vh - 96px)}}',
    '.sw-header{display:flex;align-items:center;gap:8px;padding:10px 10px 10px 16px;',
    'background:var(--sw-accent);color:var(--sw-on-accent)}',
    '.sw-title{flex:1;margin:0;font-size:17px;font-weight:600}',
    '.sw-close{width:36px;height:36px;border:0;border-radius:8px;background:transparent;',
    'color:inherit;font-family:inherit;font-size:24px;line-height:1;cursor:pointer}',
    '.sw-log{position:relative;flex:1 1 auto;min-height:0;overflow-y:auto;padding:12px 14px;',
    'display:flex;flex-direction:column;gap:10px;background:#f9fafb}',
    '.sw-msg{max-width:88%;padding:8px 12px;border-radius:12px;overflow-wrap:anywhere}',
    '.sw-bot{align-self:flex-start;background:#fff;border:1px solid #e5e7eb}',
    '.sw-visitor{align-self:flex-end;background:var(--sw-accent);color:var(--sw-on-accent)}',
    '.sw-answer{max-width:100%}.sw-typing{color:#4b5563}',
    '.sw-answer-title{margin:0 0 4px;font-size:14px;font-weight:700}',
    '.sw-msg p,.sw-msg ul,.sw-msg ol{margin:0 0 6px}.sw-msg>:last-child{margin-bottom:0}',
    '.sw-msg ul,.sw-msg ol{padding-left:20px}',
    '.sw-answer-body>:last-child{margin-bottom:0}',
    '.sw-msg a{color:var(--sw-ink);text-decoration:underline}',
    '.sw-feedback{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-top:8px;',
    'padding-top:8px;border-top:1px solid #e5e7eb;font-size:14px;color:#374151}',
    '.sw-thanks{margin:0}.sw-links{display:flex;flex-wrap:wrap;gap:4px 16px}',
    '.sw-btn{font:inherit;font-size:14px;padding:5px 12px;border:1px solid var(--sw-ink);',
    'border-radius:999px;background:#fff;color:var(--sw-ink);cursor:pointer}',
    '.sw-btn:hover{background:#eef2ff}.sw-btn:disabled{opacity:.6;cursor:default}',
    '.sw-btn[aria-pressed=true]{background:var(--sw-accent);color:var(--sw-on-accent)}',
    '.sw-rate textarea{display:block;width:100%}',
    '.sw-choices{list-style:none;margin:6px 0 0;padding:0;display:grid;gap:6px}',
    '.sw-choice{width:100%;text-align:left;border-radius:8px}',
    '.sw-form{padding:10px 12px;border-top:1px solid #e5e7eb;background:#fff}',
    '.sw-row{display:flex;gap:8px}',
    '.sw-input{flex:1;min-width:0;font:inherit;font-size:16px;padding:9px 12px;color:#111827;',
    'background:#fff;border:1px solid #6b7280;border-radius:8px}',
    '.sw-send{font:inherit;font-weight:600;padding:0 14px;border:0;border-radius:8px;',
    'background:var(--sw-accent);color:var(--sw-on-accent);cursor:pointer}',
    '.sw-meta{display:flex;gap:8px;margin-top:4px;font-size:13px;color:#4b5563}',
    '.sw-meta p{margin:0}.sw-note{flex:1}.sw-over{color:#b91c1c;font-weight:600}',
    '.sw-suggest{list-style:none;margin:0 0 8px;padding:4px;border:1px solid #d1d5db;',
    'border-radius:8px;background:#fff}',
    '.sw-option{padding:6px 8px;border-radius:6px;cursor:pointer}',
    '.sw-option:hover{background:#eef2ff}',
    '.sw-option[aria-selected=true]{background:var(--sw-accent);color:var(--sw-on-accent)}',
    '.sw-footer{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;',
    'gap:8px;padding:0 12px 12px;background:#fff;font-size:13px}',
    '.sw-handoff.sw-highlight{background:var(--sw-accent);color:var(--sw-on-accent);',
    'border-color:var(--sw-accent);animation:sw-pulse .8s ease-out 2}',
    '@keyframes sw-pulse{50%{transform:scale(1.06)}}',
    '.sw-privacy{color:#4b5563}',
    '.sw-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;',
    'border-radius:11px;background:#b91c1c;color:#fff;font-size:13px;font-weight:700;',
    'line-height:22px;text-align:center}',
    '.sw-staff{align-self:flex-start;background:#fff;border:1px solid #e5e7eb;',
    'border-left:4px solid var(--sw-accent);white-space:pre-wrap}',
    '.sw-who{display:block;font-size:13px;font-weight:700}',
    '.sw-mode{margin:0 0 6px;font-size:13px;font-weight:600;color:#374151}',
    '.sw-hoff{flex:1 1 auto;min-height:0;overflow-y:auto;margin:0;padding:12px 14px;',
    'display:flex;flex-direction:column;gap:6px;background:#f9fafb}',
    '.sw-hoff h3{margin:0 0 4px;font-size:16px}.sw-hoff p{margin:0;font-size:13px;color:#374151}',
    '.sw-hoff label{font-size:14px;font-weight:600}.sw-hoff .sw-input{flex:none;width:100%}',
    'textarea.sw-input{resize:vertical}.sw-hoff a,summary{color:var(--sw-ink)}',
    'summary{font-size:13px;cursor:pointer}',
    '.sw-check{display:flex;gap:8px;align-items:flex-start}',
    '.sw-check input{flex:none;width:20px;height:20px;margin:2px 0 0}',
    '.sw-hoff .sw-check label{font-weight:400}.sw-hoff .sw-err{color:#b91c1c;font-weight:600}',
    '.sw-actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:4px}',
    '.sw-hoff .sw-send{padding:8px 14px}',
    '.sw-confirm{flex-basis:100%;display:flex;flex-wrap:wrap;align-items:center;gap:8px}',
    '.sw-confirm p{margin:0;flex-basis:100%;font-weight:600}',
    ':focus{outline:none}:focus-visible{outline:3px solid var(--sw-ink);outline-offset:2px}',
    '.sw-header :focus-visible{outline-color:var(--sw-on-accent);outline-offset:-3px}',
    '.sw-input:focus-visible{outline-offset:0}',
    '.sw-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;',
    'overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}'
  ].join('');

  // fn, with exceptions turned into warnings.
  function guard(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { warn(e && e.message); }
    };
  }

  // A guarded event listener.
  function on(el, type, fn) {
    el.addEventListener(type, guard(fn));
  }

  // An element; string children become text.
  function h(tag, attrs, kids) {
    var el = D.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] != null) el.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) { if (kid != null) el.append(kid); });
    return el;
  }

  // The bubble icon, inline (no image request).
  function bubbleIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = D.createElementNS(ns, 'svg');
    var path = D.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    path.setAttribute('fill-rule', 'evenodd'); // dots as holes
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2h-9l-5 4v-4H4a2 2 0 0 ' +
      '1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 ' +
      '1 0 0 .01z');
    svg.append(path);
    return svg;
  }

  // Tags an answer keeps (and A); tags dropped with their content.
  var ALLOWED = new RegExp('^(ABBR|B|BLOCKQUOTE|BR|CODE|DEL|EM|H[3-6]|HR|I|LI|OL|P|PRE|S|SPAN|' +
    'STRONG|SUB|SUP|TABLE|TBODY|TD|TH|THEAD|TR|U|UL)$');
  var DROP = new RegExp('^(SCRIPT|STYLE|TEMPLATE|IFRAME|OBJECT|EMBED|SVG|MATH|IMG|VIDEO|AUDIO|' +
    'FORM|INPUT|TEXTAREA|SELECT|BUTTON|LINK|META|BASE)$');

  // The one place HTML enters: the server's sanitised answer, cut again to an allowlist.
  function renderSanitisedAnswer(container, html) {
    var tpl = D.createElement('template');
    tpl.innerHTML = html;
    Array.prototype.forEach.call(tpl.content.querySelectorAll('*'), function (el) {
      var tag = el.tagName.toUpperCase();
      if (DROP.test(tag)) return el.remove();
      if (tag !== 'A' && !ALLOWED.test(tag)) return el.replaceWith.apply(el, el.childNodes);
      Array.prototype.slice.call(el.attributes).forEach(function (attr) {
        var keep = tag === 'A' && attr.name === 'href' && /^(https?:\/\/|mailto:)/i.test(attr.value);
        if (!keep && attr.name !== 'title') el.removeAttribute(attr.name);
      });
    });
    container.append(tpl.content);
    container.querySelectorAll('a').forEach(function (a) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer nofollow');
    });
  }

  var stub = W.SupportWidget;
  if (!W.fetch || !W.customElements || !Element.prototype.attachShadow) {
    return warn('browser too old, widget disabled');
  }
  if ((stub && stub.loaded) || customElements.get(TAG)) {
    return warn('already loaded; ignoring this copy');
  }

  var script = D.currentScript || D.querySelector('script[src*="widget.js"]');
  var data = (script && script.dataset) || {};
  var apiBase;
  try {
    apiBase = new URL(data.api || (script && script.src) || location.href, location.href);
    apiBase = data.api ? apiBase.href.replace(/\/+$/, '') : apiBase.origin;
    if (!/^https?:/.test(apiBase)) throw new Error('not http(s)');
  } catch (e) {
    return warn('cannot work out the API address: ' + e.message);
  }
  var askedLang = (data.lang || '').toLowerCase();
  if (askedLang && !TEXTS[askedLang]) warn('unsupported data-lang "' + askedLang + '"');
  var lang = TEXTS[askedLang] ? askedLang
    : /^de/i.test(navigator.language || '') ? 'de' : 'en';
  var t = TEXTS[lang];

  customElements.define(TAG, class extends HTMLElement {});

  var host, root, launcher, panel, titleEl, log, form, input, list, handoffBtn, privacyLink;
  var inputLabel, modeLine, badge, status, hform, hq, hname, hemail, hconsent, herr, hsend;
  var hnotice, hfull, hpolicy, hcontact, hcancel, hneeds, delBtn, confirmBox, delNo, delYes;
  var meta, note, count;
  var config = null;
  var busy = false;
  var transcript = []; // in memory only, sent with a handoff
  var lastQuestion = '';
  var prefill = ''; // the form's prefilled question
  var sentBody = ''; // the last handoff tried, and its key
  var handoffKey = '';
  var KEY = 'support-widget:conversation'; // stored only after a handoff
  var POLL_MIN = 5000;
  var POLL_MAX = 60000;
  var conv = null; // {conversation_id, token, seen: last staff reply read}
  var shown = {}; // message ids in the log
  var lastStaff = 0;
  var pollTimer = 0;
  var pollDelay = POLL_MIN;
  var polling = false;
  var showAll = false;
  var options = [];
  var active = -1;
  var suggestTimer = 0;
  var suggestSeq = 0;

  // Our API, without cookies or referrer; resolves with the JSON body.
  function api(path, body, method, headers) {
    var opts = {credentials: 'omit', referrerPolicy: 'no-referrer', method: method || 'GET',
      headers: Object.assign({Accept: 'application/json'}, headers)};
    if (body) {
      opts.method = method || 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(apiBase + path, opts).then(function (res) {
      if (res.status === 204) return null;
      return res.json().catch(function () { return null; }).then(function (json) {
        if (res.ok) return json || {};
        var err = (json && json.error) || {};
        var e = new Error(path + ' answered ' + res.status + ' ' + (err.code || '') + ': ' +
          (err.message || ''));
        e.status = res.status;
        e.code = err.code;
        throw e;
      });
    });
  }

  // Whether white on this colour reaches WCAG AA (4.5:1).
  function whiteReadableOn(color) {
    var probe = h('span');
    probe.style.color = color;
    root.append(probe);
    var rgb = getComputedStyle(probe).color;
    probe.remove();
    if (!/^rgba?\(/.test(rgb)) return true;
    var c = rgb.match(/[\d.]+/g).slice(0, 3).map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 1.05 / (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] + 0.05) >= 4.5;
  }

  // Colour and corner; data- attributes win over the server's theme.
  function applyTheme(theme) {
    theme = theme || {};
    var color = data.color || theme.color;
    // Only colours that load nothing: no var(), url(), image-set()...
    if (color && /^(#[\da-f]{3,8}|[a-z]+|(rgb|hsl)a?\([\d\s.,%\/deg+-]*\))$/i.test(color) &&
      W.CSS && CSS.supports('color', color)) {
      var white = whiteReadableOn(color);
      host.style.setProperty('--sw-accent', color);
      host.style.setProperty('--sw-on-accent', white ? '#fff' : '#111827');
      host.style.setProperty('--sw-ink', white ? color : '#1e3a8a');
    } else if (color) {
      warn('ignoring invalid colour "' + color + '"');
    }
    var pos = data.position || theme.position;
    host.setAttribute('data-position', pos === 'left' ? 'left' : 'right');
  }

  // A line for a handoff's transcript.
  function remember(from, text) {
    transcript.push({from: from, text: String(text)});
  }

  // Add a message to the log, in view; returns it.
  function addMessage(from, kids, cls) {
    var msg = h('div', {class: 'sw-msg sw-' + from + (cls ? ' ' + cls : '')}, kids);
    log.append(msg);
    log.scrollTop = msg.offsetHeight > log.clientHeight ? msg.offsetTop - 8 : log.scrollHeight;
    return msg;
  }

  // A bot message of text paragraphs, remembered.
  function botSays(texts, cls) {
    texts = [].concat(texts).filter(Boolean);
    remember('bot', texts.join('\n'));
    return addMessage('bot', texts.map(function (s) { return h('p', {}, [s]); }), cls);
  }

  // A small round button.
  function button(text, cls, onClick) {
    var b = h('button', {type: 'button', class: 'sw-btn ' + cls}, [text]);
    on(b, 'click', onClick);
    return b;
  }

  // Emphasise "Talk to a person".
  function offerHandoff() {
    handoffBtn.classList.add('sw-highlight');
  }

  // Other ways to reach the company.
  function contactInfo() {
    var contact = (config && config.contact) || {};
    var hours = (config && config.service_hours) || {};
    var links = [];
    if (contact.email && emailOk(contact.email)) {
      links.push(h('a', {href: 'mailto:' + contact.email}, [contact.email]));
    }
    var tel = String(contact.phone || '').replace(/[^\d+]/g, '');
    if (tel) links.push(h('a', {href: 'tel:' + tel}, [String(contact.phone)]));
    return [contact.text ? h('p', {}, [String(contact.text)]) : null,
      hours.text ? h('p', {}, [String(hours.text)]) : null,
      links.length ? h('p', {class: 'sw-links'}, links) : null];
  }

  // The handoff form, with the last question; no notice: no consent, only why not.
  function openHandoff() {
    var privacy = (config && config.privacy) || {};
    var notice = privacy.notice;
    var short = notice && privacy.summary;
    hneeds.forEach(function (el) { el.hidden = !notice; });
    hnotice.firstChild.textContent = notice ? String(short || notice) + ' ' : t.noNotice;
    hfull.firstChild.textContent = String(privacy.more || '');
    hfull.lastChild.textContent = short ? String(notice) : '';
    hfull.hidden = !short;
    hfull.open = false;
    hpolicy.hidden = !notice || !/^https?:\/\//i.test(privacy.url || '');
    if (!hpolicy.hidden) hpolicy.href = privacy.url;
    hcontact.replaceChildren.apply(hcontact, contactInfo().filter(Boolean));
    if (!hq.value || hq.value === prefill) hq.value = prefill = lastQuestion;
    herr.textContent = '';
    showForm(true);
    (notice ? hq : hcancel).focus();
  }

  // Chat or handoff form.
  function showForm(on) {
    closeList();
    hform.hidden = !on;
    log.hidden = form.hidden = handoffBtn.hidden = on;
    if (!on) setMode();
  }

  // Leave unsent; focus back on the opener.
  function cancelHandoff() {
    showForm(false);
    handoffBtn.focus();
  }

  // Why it cannot be sent, the cursor where to fix it.
  function handoffProblem(text, field) {
    herr.textContent = text;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  // Sentence and field for the server's handoff error.
  function handoffError(e) {
    var c = (e && e.code) || '';
    return c === 'consent_required' ? [t.needConsent, hconsent]
      : /email/.test(c) ? [t.badEmail, hemail]
        : /name/.test(c) ? [t.badName.replace('%', config.limits.name_length), hname]
        : /question_too/.test(c) ? [t.tooLong, hq] : /question/.test(c) ? [t.needQuestion, hq]
          : [e.status === 429 ? t.wait : e.status ? t.error : t.offline];
  }

  // An Idempotency-Key: a retry cannot make a second conversation.
  function randomKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join('');
  }

  // An e-mail address by widget-config's rule? Unknown: yes.
  function emailOk(s) {
    try {
      return new RegExp('^(?:' + config.limits.email_pattern + ')$').test(s);
    } catch (e) {
      return true; // no rule to hand: the server decides
    }
  }

  // Check, then hand the question and what the bot said to a person.
  function sendHandoff(e) {
    e.preventDefault();
    if (busy || hsend.hidden) return;
    [hq, hname, hemail, hconsent].forEach(function (f) { f.removeAttribute('aria-invalid'); });
    var question = hq.value.trim();
    var name = hname.value.trim();
    var email = hemail.value.trim();
    var problem = !question ? [t.needQuestion, hq] : email && !emailOk(email)
      ? [t.badEmail, hemail] : (name || email) && !hconsent.checked ? [t.needConsent, hconsent]
        : null;
    if (problem) return handoffProblem(problem[0], problem[1]);
    var max = config.limits;
    var body = {question: question, lang: lang, consent: hconsent.checked,
      transcript: transcript.filter(function (m) { return m.text.trim(); })
        .slice(-max.transcript_entries).map(function (m) {
          return {from: m.from, text: Array.from(m.text).slice(0, max.message_length).join('')};
        })};
    if (name) body.name = name;
    if (email) body.email = email;
    // The same request keeps its key.
    if (JSON.stringify(body) !== sentBody) handoffKey = randomKey();
    sentBody = JSON.stringify(body);
    var headers = {'Idempotency-Key': handoffKey};
    var post = function () { return api('/api/v1/handoffs', body, 'POST', headers); };
    busy = hsend.disabled = true;
    herr.textContent = '';
    post().catch(function (err) {
      if (err.status) throw err;
      warn('retrying the handoff once: ' + err.message);
      return post(); // network error: same key, safe retry
    }).then(guard(function (res) {
      busy = hsend.disabled = false;
      sentBody = '';
      conv = {conversation_id: String(res.conversation_id), token: String(res.token), seen: 0};
      save();
      hform.reset();
      hq.value = '';
      showForm(false);
      if (question !== lastQuestion) {
        addMessage('visitor', [h('span', {class: 'sw-sr'}, [t.you]), question], 'sw-conv');
      }
      addMessage('bot', [h('p', {}, [String((res.expected_reply || {}).text || '')])],
        'sw-conv sw-expected');
      input.focus();
      schedulePoll(true);
    }), function (err) {
      busy = hsend.disabled = false;
      warn(err && err.message);
      var p = handoffError(err);
      handoffProblem(p[0], p[1]);
    });
  }

  // Keep id and token (asked for a person: now it may).
  function save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(conv));
    } catch (e) {
      warn('cannot keep the conversation for a later visit: ' + e.message);
    }
  }

  // The stored conversation, or null.
  function load() {
    try {
      var c = JSON.parse(localStorage.getItem(KEY));
      if (c && typeof c.conversation_id === 'string' && typeof c.token === 'string') return c;
    } catch (e) { /* storage blocked or unreadable */ }
    return null;
  }

  // Forget the conversation here.
  function forget(text) {
    try { localStorage.removeItem(KEY); } catch (e) { /* storage blocked */ }
    conv = null;
    shown = {};
    lastStaff = 0;
    clearTimeout(pollTimer);
    setBadge(0);
    log.querySelectorAll('.sw-conv').forEach(function (el) { el.remove(); });
    setMode();
    if (text) botSays(text, 'sw-gone');
  }

  // The conversation's API, with its token.
  function convApi(suffix, body, method) {
    return api('/api/v1/conversations/' + encodeURIComponent(conv.conversation_id) + suffix,
      body, method, {Authorization: 'Bearer ' + conv.token});
  }

  // Whether the input goes to the bot or the team.
  function setMode() {
    modeLine.hidden = !conv;
    handoffBtn.hidden = !!conv || !hform.hidden;
    delBtn.hidden = !conv;
    confirmBox.hidden = true;
    input.placeholder = conv ? t.msgPlaceholder : t.placeholder;
    inputLabel.textContent = conv ? t.msgLabel : t.label;
    updateCount();
  }

  // Unread count on the launcher, announced.
  function setBadge(n) {
    var said = n === 1 ? t.unread1 : n + t.unreadN;
    badge.textContent = n > 9 ? '9+' : String(n);
    badge.hidden = !n;
    launcher.setAttribute('aria-label', n ? t.launcher + ', ' + said : t.launcher);
    status.textContent = n ? said : '';
  }

  // Read if the panel is open, else counted.
  function updateUnread(messages) {
    if (!conv) return;
    if (!panel.hidden) {
      if (lastStaff > conv.seen) {
        conv.seen = lastStaff;
        save();
      }
      return setBadge(0);
    }
    setBadge(messages.filter(function (m) {
      return m.from === 'staff' && m.id > conv.seen;
    }).length);
  }

  // Add new messages (the visitor's own only when restoring).
  function showThread(messages) {
    var fresh = 0;
    messages.forEach(function (m) {
      if (m.transcript || shown[m.id] || !(showAll || m.from === 'staff')) return;
      shown[m.id] = 1;
      if (m.from === 'staff') {
        fresh++;
        lastStaff = Math.max(lastStaff, m.id);
        addMessage('staff', [h('strong', {class: 'sw-who'}, [String(m.name || t.team)]),
          String(m.text)], 'sw-conv');
      } else {
        addMessage('visitor', [h('span', {class: 'sw-sr'}, [t.you]), String(m.text)], 'sw-conv');
      }
    });
    showAll = false;
    updateUnread(messages);
    return fresh;
  }

  // Wait for the next poll; reset: look soon.
  function schedulePoll(reset) {
    clearTimeout(pollTimer);
    if (reset) pollDelay = POLL_MIN;
    if (conv) pollTimer = setTimeout(guard(poll), pollDelay);
  }

  // Fetch the conversation; back off while quiet; 404: it is gone.
  function poll() {
    clearTimeout(pollTimer);
    if (!conv || polling || D.hidden) return; // polled again when shown
    var c = conv;
    polling = true;
    convApi('').then(guard(function (res) {
      polling = false;
      if (conv !== c) return;
      var fresh = showThread(res.messages || []);
      if (res.rating_wanted) askRating();
      pollDelay = fresh ? POLL_MIN : Math.min(pollDelay * 2, POLL_MAX);
      schedulePoll();
    }), function (e) {
      polling = false;
      if (conv !== c) return;
      if (e.status === 404) return forget(t.gone);
      warn(e && e.message);
      pollDelay = Math.min(pollDelay * 2, POLL_MAX);
      schedulePoll();
    });
  }

  // Ask once how satisfied the visitor was, in the server's words.
  function askRating() {
    var r = config && config.rating;
    if (!r || log.querySelector('.sw-rate')) return;
    var score = 0;
    var comment = h('textarea', {class: 'sw-input', rows: '2',
      maxlength: config.limits.rating_comment_length});
    var send = button(r.send, 'sw-rate-send', function () { answer(score); });
    var scores = [1, 2, 3, 4, 5].map(function (n) {
      var b = button(n, 'sw-score', function () {
        score = n;
        send.disabled = false;
        scores.forEach(function (x) { x.setAttribute('aria-pressed', x === b); });
      });
      b.setAttribute('aria-pressed', false);
      return b;
    });
    send.disabled = true;
    var box = addMessage('bot', [h('p', {id: 'sw-rq'}, [r.question + ' ' + r.scale]),
      h('div', {class: 'sw-actions', role: 'group', 'aria-labelledby': 'sw-rq'}, scores),
      h('label', {}, [String(r.comment), comment]),
      h('div', {class: 'sw-actions'}, [send, button(r.decline, 'sw-rate-no', answer)])],
    'sw-conv sw-rate');
    // Send it (no score: "No thanks"); 409: answered elsewhere.
    function answer(s) {
      if (busy) return;
      busy = true;
      s = +s || null;
      convApi('/rating', {score: s, comment: s && comment.value}).then(guard(function () {
        busy = false;
        if (s) box.replaceChildren(h('p', {}, [String(r.thanks)]));
        else box.remove();
        input.focus();
      }), function (e) {
        busy = false;
        if (e.status === 409) box.remove();
        else showError(e);
      });
    }
  }

  // Show a conversation kept by an earlier visit.
  function restore() {
    conv = load();
    if (!conv) return;
    conv.seen = +conv.seen || 0;
    setMode();
    addMessage('bot', [h('p', {}, [t.restored])], 'sw-conv');
    showAll = true;
    poll();
  }

  // A follow-up to the team.
  function sendMessage(text) {
    if (busy) return;
    input.value = String(text || '');
    if (updateCount(true)) return;
    text = input.value.trim();
    busy = true;
    input.value = '';
    updateCount();
    addMessage('visitor', [h('span', {class: 'sw-sr'}, [t.you]), text], 'sw-conv');
    var c = conv;
    convApi('/messages', {text: text}).then(guard(function (m) {
      busy = false;
      if (m && m.id) shown[m.id] = 1;
      schedulePoll(true);
    }), function (e) {
      busy = false;
      if (e.status === 404 && conv === c) return forget(t.gone);
      showError(e);
    });
  }

  // Show or hide "really delete?".
  function confirmDelete(on) {
    confirmBox.hidden = !on;
    delBtn.hidden = on;
    (on ? delNo : delBtn).focus();
  }

  // Delete the conversation, then forget it.
  function deleteConversation() {
    var c = conv;
    if (!c || busy) return;
    busy = delYes.disabled = true;
    convApi('', null, 'DELETE').catch(function (e) {
      if (e.status !== 404) throw e; // gone is as good
    }).then(guard(function () {
      busy = delYes.disabled = false;
      if (conv === c) forget(t.deleted);
      input.focus();
    }), function (e) {
      busy = delYes.disabled = false;
      confirmDelete(false);
      showError(e);
    });
  }

  // A sentence for a failed request; details on the console.
  function showError(e) {
    warn(e && e.message);
    var s = e && e.status;
    var tooLong = s === 413 || /too_long$/.test(e && e.code);
    botSays(s === 429 ? t.wait : tooLong ? t.tooLong : s ? t.error : t.offline, 'sw-error');
  }

  // An answer with its question, page link and "Did this help?".
  function showAnswer(answer, question) {
    var body = h('div', {class: 'sw-answer-body'});
    renderSanitisedAnswer(body, String(answer.html || ''));
    remember('bot', answer.question + '\n' + body.textContent);
    var feedback = h('div', {class: 'sw-feedback', lang: lang}, [h('span', {}, [t.helped])]);
    var yes = button(t.yes, 'sw-yes', function () { sendFeedback(true); });
    var no = button(t.no, 'sw-no', function () { sendFeedback(false); });
    feedback.append(yes, no);
    // Record the verdict, then thank.
    function sendFeedback(helpful) {
      input.focus();
      yes.disabled = no.disabled = true;
      if (!helpful) offerHandoff();
      var thank = function () {
        feedback.replaceChildren(h('p', {class: 'sw-thanks'}, [helpful ? t.thanks : t.thanksNo]));
      };
      api('/api/v1/feedback', {faq_id: answer.id, helpful: helpful, question: question})
        .catch(function (e) { warn(e && e.message); }).then(thank);
    }
    var title = h('h3', {class: 'sw-answer-title'}, [String(answer.question || '')]);
    var page = pageLink((answer.lang || lang) + '/' + encodeURIComponent(answer.id),
      config.help && config.help.page);
    var msg = addMessage('bot', [title, body, page, feedback], 'sw-answer');
    msg.setAttribute('data-faq-id', String(answer.id || ''));
    msg.lang = answer.lang || lang; // the buttons keep the widget's
  }

  // A help-centre link in a new tab, or null.
  function pageLink(path, label) {
    var url = config && config.help && config.help.url;
    return /^\/\w/.test(url) ? h('a', {href: apiBase + url + path, target: '_blank',
      rel: 'noopener noreferrer', class: 'sw-privacy'}, [String(label)]) : null;
  }

  // Close candidates as buttons that ask them.
  function showChoices(suggestions) {
    remember('bot', t.didYouMean + ' ' + suggestions.map(function (s) {
      return s.question;
    }).join(' | '));
    var items = suggestions.map(function (s) {
      var choose = function () { ask(s.question); };
      var choice = button(String(s.question), 'sw-choice', choose);
      choice.lang = s.lang || lang;
      return h('li', {}, [choice]);
    });
    addMessage('bot', [h('p', {}, [t.didYouMean]), h('ul', {class: 'sw-choices'}, items)],
      'sw-did-you-mean');
  }

  // The input's limit by widget-config; 0: unknown.
  function limit() {
    var max = (config && config.limits) || {};
    return +(conv ? max.message_length : max.question_length) || 0;
  }

  // Count as the server does; true if it cannot be sent.
  function updateCount(sending) {
    var max = limit();
    var n = Array.from(input.value.trim()).length;
    var state = max && n > max ? 2 : sending && !n ? 3 : max && n >= max * 0.9 ? 1 : 0;
    count.textContent = max ? n + t.of + max + t.chars : '';
    meta.classList.toggle('sw-over', state > 1);
    input.setAttribute('aria-invalid', state > 1);
    var text = ['', t.near, t.tooLong, t.needQuestion][state];
    if (note.textContent !== text) note.textContent = text;
    return state > 1;
  }

  // Ask the server and show what it found.
  function ask(question) {
    if (busy) return;
    input.value = String(question || '');
    if (updateCount(true)) return;
    question = input.value.trim();
    busy = true;
    closeList();
    input.value = '';
    updateCount();
    lastQuestion = question;
    remember('visitor', question);
    addMessage('visitor', [h('span', {class: 'sw-sr'}, [t.you]), question]);
    var typing = addMessage('bot', ['…'], 'sw-typing');
    typing.setAttribute('aria-hidden', 'true');
    var done = function () { typing.remove(); busy = false; };
    api('/api/v1/ask', {question: question, lang: lang}).then(guard(function (res) {
      done();
      var suggestions = res.suggestions || [];
      if (res.answered && res.answer) showAnswer(res.answer, question);
      else if (suggestions.length) showChoices(suggestions);
      else { botSays(t.noAnswer, 'sw-no-answer'); offerHandoff(); }
      if (res.handoff_offered) offerHandoff();
    }), function (e) { done(); showError(e); });
  }

  // Hide the suggestions.
  function closeList() {
    clearTimeout(suggestTimer);
    suggestSeq++;
    options = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  // Show completions of what was typed.
  function showList(items) {
    closeList();
    options = items.slice(0, 5);
    if (!options.length || root.activeElement !== input) return;
    options.forEach(function (s, i) {
      var li = h('li', {id: 'sw-opt-' + i, role: 'option', class: 'sw-option',
        'aria-selected': 'false', lang: s.lang || lang}, [String(s.question)]);
      on(li, 'mousedown', function (e) { e.preventDefault(); }); // keep focus
      on(li, 'click', function () { ask(s.question); });
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  // Move the highlight by delta, wrapping.
  function moveActive(delta) {
    active = (active + delta + options.length + (active < 0 && delta < 0 ? 1 : 0)) % options.length;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute('aria-selected', String(i === active));
    });
    input.setAttribute('aria-activedescendant', 'sw-opt-' + active);
  }

  // Completions 200 ms after typing stops.
  function onType() {
    clearTimeout(suggestTimer);
    var q = input.value.trim();
    if (q.length < 3 || conv) return closeList();
    suggestTimer = setTimeout(function () {
      var seq = ++suggestSeq;
      api('/api/v1/suggest?q=' + encodeURIComponent(q) + '&lang=' + lang).then(function (res) {
        if (seq === suggestSeq && input.value.trim() === q) showList(res.suggestions || []);
      }).catch(function (e) { warn(e && e.message); });
    }, 200);
  }

  // Arrows move, Enter picks, Escape closes.
  function onInputKey(e) {
    var open = !list.hidden && options.length;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      moveActive(e.key === 'ArrowDown' ? 1 : -1);
    } else if (open && e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      ask(options[active].question);
    } else if (open && e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeList();
    }
  }

  // Open the panel, mark replies read, look for more.
  function open() {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    (hform.hidden ? input : hsend.hidden ? hcancel : hq).focus();
    log.scrollTop = log.scrollHeight;
    if (conv) {
      updateUnread([]);
      pollDelay = POLL_MIN;
      poll();
    }
  }

  // Close the panel; focus inside goes to the launcher.
  function close() {
    if (panel.hidden) return;
    var hadFocus = !!root.activeElement;
    closeList();
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    if (hadFocus) launcher.focus();
  }

  // Use widget-config (null: it failed).
  function useConfig(cfg) {
    config = cfg || {};
    var max = config.limits || {};
    if (!data.title && config.title) titleEl.textContent = String(config.title);
    if (max.name_length) hname.maxLength = max.name_length;
    if (max.email_length) hemail.maxLength = max.email_length;
    setMode();
    applyTheme(config.theme);
    var privacy = config.privacy || {};
    if (/^https?:\/\//i.test(privacy.url || '')) {
      privacyLink.href = privacy.url;
      privacyLink.hidden = false;
    }
    privacyLink.before(pageLink(lang + '/', (config.help || {}).browse) || '');
    if (config.greeting) botSays(String(config.greeting), 'sw-greeting');
  }

  // Build the element and its shadow root.
  function build() {
    host = D.createElement(TAG);
    root = host.attachShadow({mode: 'open'});
    if (root.adoptedStyleSheets && W.CSSStyleSheet && 'replaceSync' in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet(); // not under the page's CSP style-src
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(h('style', {}, [STYLES]));
    }
    badge = h('span', {class: 'sw-badge', id: 'sw-badge', 'aria-hidden': 'true', hidden: ''});
    launcher = h('button', {type: 'button', class: 'sw-launcher', id: 'sw-launcher',
      'aria-label': t.launcher, 'aria-expanded': 'false', 'aria-controls': 'sw-panel'},
    [bubbleIcon(), h('span', {class: 'sw-x', 'aria-hidden': 'true'}, ['×']), badge]);
    status = h('span', {class: 'sw-sr', role: 'status'});
    titleEl = h('h2', {class: 'sw-title', id: 'sw-title'}, [data.title || t.title]);
    var closeBtn = h('button', {type: 'button', class: 'sw-close', 'aria-label': t.close}, ['×']);
    log = h('div', {class: 'sw-log', id: 'sw-log', role: 'log', 'aria-live': 'polite',
      'aria-label': t.log, tabindex: '0'});
    input = h('input', {type: 'text', class: 'sw-input', id: 'sw-input', autocomplete: 'off',
      placeholder: t.placeholder, role: 'combobox', 'aria-autocomplete': 'list',
      'aria-expanded': 'false', 'aria-controls': 'sw-suggest',
      'aria-describedby': 'sw-count sw-note'});
    list = h('ul', {class: 'sw-suggest', id: 'sw-suggest', role: 'listbox',
      'aria-label': t.suggestions, hidden: ''});
    inputLabel = h('label', {for: 'sw-input', class: 'sw-sr'}, [t.label]);
    modeLine = h('p', {class: 'sw-mode', id: 'sw-mode', hidden: ''}, [t.writing]);
    form = h('form', {class: 'sw-form', id: 'sw-form'}, [
      inputLabel,
      modeLine,
      list,
      h('div', {class: 'sw-row'}, [input,
        h('button', {type: 'submit', class: 'sw-send'}, [t.send])]),
      meta = h('div', {class: 'sw-meta'}, [
        note = h('p', {class: 'sw-note', id: 'sw-note', role: 'status'}),
        count = h('p', {class: 'sw-count', id: 'sw-count'})])
    ]);
    handoffBtn = button(t.handoff, 'sw-handoff', openHandoff);
    handoffBtn.id = 'sw-handoff';
    buildHandoffForm();
    delBtn = button(t.del, 'sw-delete', function () { confirmDelete(true); });
    delBtn.id = 'sw-delete';
    delYes = button(t.delYes, 'sw-del-yes', deleteConversation);
    delNo = button(t.delNo, 'sw-del-no', function () { confirmDelete(false); });
    confirmBox = h('div', {class: 'sw-confirm', role: 'group', 'aria-labelledby': 'sw-del-q',
      hidden: ''}, [h('p', {id: 'sw-del-q'}, [t.delAsk]), delYes, delNo]);
    privacyLink = h('a', {class: 'sw-privacy', target: '_blank', rel: 'noopener noreferrer',
      hidden: ''}, [t.privacy]);
    panel = h('div', {class: 'sw-panel', id: 'sw-panel', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'sw-title', hidden: ''}, [
      h('div', {class: 'sw-header'}, [titleEl, closeBtn]),
      hform,
      log,
      form,
      h('div', {class: 'sw-footer'}, [handoffBtn, delBtn, confirmBox, privacyLink])
    ]);
    root.append(launcher, status, panel);

    on(launcher, 'click', function () { if (panel.hidden) open(); else close(); });
    on(closeBtn, 'click', close);
    on(form, 'submit', function (e) {
      e.preventDefault();
      if (conv) sendMessage(input.value);
      else ask(input.value);
    });
    on(hform, 'submit', sendHandoff);
    on(D, 'visibilitychange', function () { if (!D.hidden) poll(); });
    on(input, 'input', function () { updateCount(); onType(); });
    on(input, 'keydown', onInputKey);
    on(input, 'blur', closeList);
    on(root, 'keydown', function (e) {
      if (e.key === 'Escape' && !panel.hidden) {
        e.preventDefault();
        e.stopPropagation();
        close();
      }
    });
    D.body.append(host);
    applyTheme();
    setMode();
  }

  // Build the hidden "talk to a person" form.
  function buildHandoffForm() {
    var field = function (label, el) { return [h('label', {for: el.id}, [label]), el]; };
    hq = h('textarea', {class: 'sw-input', id: 'sw-hq', rows: '3', required: ''});
    hname = h('input', {class: 'sw-input', id: 'sw-hname', autocomplete: 'name'});
    hemail = h('input', {class: 'sw-input', id: 'sw-hemail', type: 'email', autocomplete: 'email'});
    hconsent = h('input', {type: 'checkbox', id: 'sw-hconsent', 'aria-describedby': 'sw-notice'});
    hpolicy = h('a', {target: '_blank', rel: 'noopener noreferrer'}, [t.policy]);
    hnotice = h('p', {id: 'sw-notice'}, ['', hpolicy]);
    hfull = h('details', {id: 'sw-full'}, [h('summary'), h('p')]);
    herr = h('p', {class: 'sw-err', id: 'sw-herr', role: 'alert'});
    hsend = h('button', {type: 'submit', class: 'sw-send', id: 'sw-hsend'}, [t.hSend]);
    hcontact = h('div', {class: 'sw-contact'});
    hcancel = button(t.cancel, 'sw-cancel', cancelHandoff);
    var fields = field(t.hQuestion, hq).concat(field(t.hName, hname), field(t.hEmail, hemail));
    var check = h('div', {class: 'sw-check'},
      [hconsent, h('label', {for: 'sw-hconsent'}, [t.hConsent])]);
    hneeds = fields.concat(check, hsend); // need the server's notice
    hform = h('form', {class: 'sw-hoff', id: 'sw-hoff', 'aria-labelledby': 'sw-htitle',
      novalidate: '', hidden: ''}, [h('h3', {id: 'sw-htitle'}, [t.handoff])].concat(
      fields, [hnotice, hfull, check, herr, h('div', {class: 'sw-actions'}, [hsend, hcancel]),
        hcontact]));
  }

  // Build, replace the stub, run queued calls, load the config.
  function init() {
    build();
    var queue = (stub && stub.q) || [];
    var pub = {
      loaded: true,
      open: guard(open),
      close: guard(close),
      toggle: guard(function () { if (panel.hidden) open(); else close(); }),
      ask: guard(function (question) { open(); ask(question); })
    };
    W.SupportWidget = pub;
    Array.prototype.forEach.call(queue, function (call) {
      var args = Array.prototype.slice.call(call || []);
      if (typeof pub[args[0]] === 'function') pub[args[0]].apply(null, args.slice(1));
      else warn('unknown queued call "' + args[0] + '"');
    });
    api('/api/v1/widget-config?lang=' + lang).then(guard(useConfig), function (e) {
      warn(e && e.message);
      useConfig(null);
    }).then(guard(restore));
  }

  if (D.body) guard(init)();
  else D.addEventListener('DOMContentLoaded', guard(init));
})();
