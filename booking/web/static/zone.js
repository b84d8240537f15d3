// Shows the times in the browser's own zone: on a first visit (no zone chosen yet) the
// page is asked again with it. Without JavaScript the clinic's zone is shown and the
// picker changes it.
(function () {
  var select = document.getElementById("tz");
  if (!select || select.dataset.zoneAsked === "yes") return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || zone === select.value) return;
  var url = new URL(window.location.href);
  url.searchParams.set("tz", zone);
  window.location.replace(url.toString());
})();
