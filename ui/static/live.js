// Live pages without a framework. An element with data-live-url is a fragment: when an event named
// in its data-live-on (space-separated) arrives on /ui/events, the page re-fetches that URL and puts
// the answer in its place; data-live-id limits it to events about that one deployment. Bursts are
// coalesced; a fragment holding the keyboard focus (a half-typed reason) waits until focus leaves it.
// After a reconnect every fragment is re-fetched, since events sent meanwhile were missed.
// Without JavaScript the pages are plain links and forms, and a reload shows the news.
(function () {
  'use strict';
  if (!window.EventSource || !document.querySelector('[data-live-url]')) return;

  var DELAY_MS = 150;
  var pending = new Map(); // url → timer

  function fragments() {
    return Array.prototype.slice.call(document.querySelectorAll('[data-live-url]'));
  }

  function holdsFocus(element) {
    return element.contains(document.activeElement) && document.activeElement !== document.body;
  }

  function refresh(url) {
    var element = document.querySelector('[data-live-url="' + CSS.escape(url) + '"]');
    if (!element) return;
    if (holdsFocus(element)) {
      element.addEventListener('focusout', function later() {
        element.removeEventListener('focusout', later);
        setTimeout(function () {
          schedule(url);
        }, 0);
      });
      return;
    }
    fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (response) {
        // A sign-in page (after a redirect) or an error page is not this fragment.
        if (!response.ok || response.redirected) return null;
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var template = document.createElement('template');
        template.innerHTML = html.trim();
        var next = template.content.firstElementChild;
        var current = document.querySelector('[data-live-url="' + CSS.escape(url) + '"]');
        if (next && current && !holdsFocus(current)) {
          current.replaceWith(next);
          document.dispatchEvent(new CustomEvent('live:swapped', { detail: { url: url } }));
        }
      })
      .catch(function () {
        // The next event, or the reconnect, tries again.
      });
  }

  function schedule(url) {
    if (pending.has(url)) return;
    pending.set(
      url,
      setTimeout(function () {
        pending.delete(url);
        refresh(url);
      }, DELAY_MS),
    );
  }

  function wants(element, type, data) {
    var on = (element.getAttribute('data-live-on') || '').split(/\s+/);
    if (on.indexOf(type) < 0) return false;
    var id = element.getAttribute('data-live-id');
    return !id || (data && data.id === id);
  }

  var source = new EventSource('/ui/events');
  var opened = false;
  source.addEventListener('open', function () {
    if (opened)
      fragments().forEach(function (element) {
        schedule(element.getAttribute('data-live-url'));
      });
    opened = true;
    document.documentElement.setAttribute('data-live', 'connected');
  });
  source.addEventListener('error', function () {
    document.documentElement.setAttribute('data-live', 'reconnecting');
  });
  source.addEventListener('deployment', function (event) {
    var data = null;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    fragments().forEach(function (element) {
      if (wants(element, 'deployment', data)) schedule(element.getAttribute('data-live-url'));
    });
  });
})();
