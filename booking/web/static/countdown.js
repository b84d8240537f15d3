// The hold's countdown, once a second; screen readers read the timer when asked (role=timer
// is not announced on every change).
(function () {
  var timer = document.getElementById("countdown");
  if (!timer) return;
  var left = parseInt(timer.dataset.seconds, 10);
  if (!(left > 0)) return;
  var ends = Date.now() + left * 1000;
  function tick() {
    var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
    if (seconds === 0) {
      timer.textContent = " (the hold has ended, but you can still try: the time is yours if nobody took it)";
      return;
    }
    var m = Math.floor(seconds / 60), s = seconds % 60;
    timer.textContent = " (" + m + ":" + (s < 10 ? "0" : "") + s + " left)";
    setTimeout(tick, 1000);
  }
  tick();
})();
