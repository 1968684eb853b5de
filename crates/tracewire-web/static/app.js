// Tracewire's one script: keyboard shortcuts, and marking without a page
// reload. Every action also works without it (plain forms and links).
(function () {
  "use strict";
  var help = null;
  function items() { return Array.prototype.slice.call(document.querySelectorAll(".items > li.item")); }
  function current() { return document.querySelector(".items > li.current"); }
  function select(li) {
    var was = current();
    if (was) { was.classList.remove("current"); }
    if (!li) { return; }
    li.classList.add("current");
    li.scrollIntoView({ block: "nearest" });
    var link = li.querySelector("a.open");
    if (link) { link.focus({ preventScroll: true }); }
  }
  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var i = list.indexOf(current());
    var next = i < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + step));
    select(list[next]);
  }
  // Posts a mark form with fetch and updates its button from the answer.
  // (The form's address is read as an attribute: its button named
  // "action" hides the form's `action` property.)
  function submitMark(form, button) {
    var body = new URLSearchParams(new FormData(form));
    body.set("action", button.value);
    return fetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (state) {
      var li = form.closest("li.item");
      if (button.classList.contains("star")) {
        button.value = state.starred ? "unstar" : "star";
        button.textContent = state.starred ? "\u2605 Starred" : "\u2606 Star";
        button.setAttribute("aria-pressed", state.starred ? "true" : "false");
      } else {
        button.value = state.read ? "unread" : "read";
        button.textContent = state.read ? "Mark unread" : "Mark read";
        button.setAttribute("aria-pressed", state.read ? "true" : "false");
        if (li) { li.classList.toggle("read", state.read); }
      }
    }).catch(function () { form.requestSubmit(button); });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("form[action$='/mark'] button[name='action']");
    if (!button) { return; }
    e.preventDefault();
    submitMark(button.form, button);
  });
  function press(selector) {
    var scope = current() || document.querySelector("article .actions") ;
    var button = scope && scope.querySelector(selector);
    if (button) { submitMark(button.form, button); }
  }
  function toggleHelp() {
    if (!help) {
      help = document.getElementById("shortcuts");
    }
    if (help) { help.hidden = !help.hidden; if (!help.hidden) { help.focus(); } }
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter": {
        var li = current();
        var link = li && li.querySelector("a.open");
        if (link) { window.location.href = link.href; } else { return; }
        break;
      }
      case "m": press("button.mark-read"); break;
      case "s": press("button.star"); break;
      case "/": {
        var q = document.getElementById("top-q");
        if (q) { q.focus(); q.select(); }
        break;
      }
      case "?": toggleHelp(); break;
      case "Escape": if (help && !help.hidden) { help.hidden = true; } else { return; } break;
      default: return;
    }
    e.preventDefault();
  });
})();
