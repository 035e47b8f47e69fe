// Build page: follows the live log over Server-Sent Events (/builds/:id/events). Each chunk arrives
// as text segments with CSS classes; text is only ever set as textContent, never parsed as HTML.
// Without this script the page still shows the log so far and a reload link.
(function () {
  'use strict';
  var view = document.querySelector('[data-build-log]');
  if (!view) return;
  var followButton = document.querySelector('[data-log-follow]');
  var reload = document.querySelector('[data-log-reload]');
  var failedLink = document.querySelector('[data-log-failed]');
  var statusBox = document.querySelector('[data-build-status]');
  var durationBox = document.querySelector('[data-build-duration]');
  var following = true;

  function scrollToEnd() {
    if (following) view.scrollTop = view.scrollHeight;
  }

  function statusBadge(status) {
    var badge = document.createElement('span');
    badge.className = 'status status-' + String(status).replace(/[^a-z-]/g, '');
    badge.textContent = status;
    return badge;
  }

  function sectionFor(command, anchor) {
    var sections = view.querySelectorAll('section[data-command]');
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].getAttribute('data-command') === command) return sections[i].querySelector('pre');
    }
    var section = document.createElement('section');
    section.className = 'log-command';
    section.id = anchor;
    section.setAttribute('data-command', command);
    var heading = document.createElement('h3');
    heading.textContent = command;
    var pre = document.createElement('pre');
    pre.className = 'log';
    section.appendChild(heading);
    section.appendChild(pre);
    view.appendChild(section);
    return pre;
  }

  function appendLog(data) {
    var empty = view.querySelector('[data-log-empty]');
    if (empty) empty.remove();
    var pre = sectionFor(data.command, data.anchor);
    data.segments.forEach(function (segment) {
      if (segment[1]) {
        var span = document.createElement('span');
        span.className = segment[1];
        span.textContent = segment[0];
        pre.appendChild(span);
      } else {
        pre.appendChild(document.createTextNode(segment[0]));
      }
    });
    scrollToEnd();
  }

  function updateSteps(data) {
    data.commands.forEach(function (command) {
      var rows = document.querySelectorAll('tr[data-step]');
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].getAttribute('data-step') !== command.key) continue;
        var cell = rows[i].querySelector('[data-step-status]');
        if (cell) cell.replaceChildren(statusBadge(command.status));
        var duration = rows[i].querySelector('[data-step-duration]');
        if (duration) duration.textContent = command.duration;
      }
    });
    if (statusBox) statusBox.replaceChildren(statusBadge(data.status));
    if (durationBox && data.duration) durationBox.textContent = data.duration;
    if (failedLink && data.failed) {
      failedLink.setAttribute('href', '#' + data.failed);
      failedLink.hidden = false;
    }
  }

  if (followButton) {
    followButton.hidden = false;
    followButton.addEventListener('click', function () {
      following = !following;
      followButton.setAttribute('aria-pressed', String(following));
      followButton.textContent = following ? 'Stop following' : 'Follow';
      scrollToEnd();
    });
  }
  scrollToEnd();

  if (view.getAttribute('data-finished') === 'true' || !window.EventSource) return;
  if (reload) reload.hidden = true;
  view.setAttribute('aria-live', 'polite');
  var source = new EventSource(view.getAttribute('data-events'));
  source.addEventListener('log', function (event) {
    appendLog(JSON.parse(event.data));
  });
  source.addEventListener('steps', function (event) {
    updateSteps(JSON.parse(event.data));
  });
  source.addEventListener('end', function (event) {
    source.close();
    var data = JSON.parse(event.data);
    if (statusBox) statusBox.replaceChildren(statusBadge(data.status));
    view.setAttribute('data-finished', 'true');
    if (followButton) followButton.hidden = true;
  });
})();
