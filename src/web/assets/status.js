// Live status on /subscriptions/{id}: listens to the server's event stream and updates the words
// while setup runs, then reloads the page for the final state. Without this script the page
// refreshes itself (a <noscript> meta refresh), so it is an improvement, never a requirement.
(function () {
  'use strict';
  var panel = document.querySelector('[data-subscription-id]');
  if (!panel || typeof window.EventSource !== 'function') return;
  var id = panel.getAttribute('data-subscription-id');
  var current = panel.getAttribute('data-status');
  var settingUp = { pending: true, provisioning: true };
  if (!settingUp[current]) return;

  // The words for each step come with the page, in its language.
  var details = {
    pending: panel.getAttribute('data-detail-pending'),
    provisioning: panel.getAttribute('data-detail-provisioning')
  };
  var detail = panel.querySelector('[data-status-detail]');
  var fallback;

  function reloadSoon(ms) {
    if (!fallback) fallback = window.setTimeout(function () { window.location.reload(); }, ms);
  }

  var source = new EventSource('/api/v1/subscriptions/' + encodeURIComponent(id) + '/events');
  source.onmessage = function (message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; } // oxlint-disable-line no-unused-vars -- ES5 on purpose: a catch without a binding needs ES2019
    if (!event || event.status === current) return;
    current = event.status;
    if (settingUp[current]) {
      panel.setAttribute('data-status', current);
      if (detail && details[current]) detail.textContent = details[current];
      return;
    }
    source.close();
    window.location.reload();
  };
  // The browser reconnects on its own after a dropped connection; if it gives up, fall back to reloading.
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) reloadSoon(5000);
  };
})();
