/* Progressive enhancement for the questionnaire; the pages work without it.
 * 1. Conditional questions: each wrapper carries its display condition, written
 *    by the server from instrument.py (data-shown-when). A hidden question's
 *    answer is also cleared on the server, so this only saves a round trip.
 * 2. The error summary takes focus, so screen readers announce it (GOV.UK).
 * 3. A "Change" link from the check page opens the step at the question
 *    (#field-...): its first control takes focus, so a keyboard or screen-reader
 *    user lands on the answer to change, not at the top of the page.
 * 4. A free-text box counts the characters left (GOV.UK's character count); it
 *    has no maxlength, which would cut a long paste without a word. The
 *    server refuses too long a text and shows it again whole.
 * 5. A form is sent once per press: a second press within a second, while the
 *    page is still on its way, is ignored (GOV.UK's prevent-double-click). On
 *    the first page there is no code cookie yet, so a double tap would start
 *    two screenings; the server cannot tell the second from a new runner.
 * 6. The step's Back link does not save: if answers on the page were changed
 *    and not saved, it asks before leaving them (the server keeps only what
 *    "Save and continue" sent). */
(function () {
  "use strict";

  function valueOf(form, itemId) {
    var inputs = form.querySelectorAll('[name="' + itemId + '"]');
    if (!inputs.length) { return null; }
    var first = inputs[0];
    if (first.tagName === "SELECT") { return first.value || null; }
    if (first.type === "checkbox") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (first.type === "radio") {
      var checked = Array.prototype.find.call(inputs, function (i) { return i.checked; });
      return checked ? checked.value : null;
    }
    var text = first.value.trim();
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : null;
  }

  // Mirrors instrument.When.holds: a list matches when it contains the value.
  function holds(form, when) {
    var answer = valueOf(form, when.item);
    if (answer === null) { return false; }
    if (Array.isArray(answer)) {
      var contained = answer.indexOf(when.value) !== -1;
      return when.op === "=" ? contained : !contained;
    }
    if (when.op === "=") { return answer === when.value; }
    if (when.op === "!=") { return answer !== when.value; }
    return typeof answer === "number" && answer > when.value;
  }

  function update(form) {
    form.querySelectorAll("[data-shown-when]").forEach(function (wrapper) {
      var conditions = JSON.parse(wrapper.getAttribute("data-shown-when"));
      var shown = conditions.some(function (when) { return holds(form, when); });
      wrapper.hidden = !shown;
      if (!shown) {
        wrapper.querySelectorAll("input").forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") { input.checked = false; }
          else { input.value = ""; }
        });
      }
    });
  }

  function countCharacters(box) {
    var limit = parseInt(box.getAttribute("data-maxlength"), 10);
    var shown = document.createElement("p");
    shown.className = "char-count";
    shown.setAttribute("aria-hidden", "true");
    // Screen readers hear the count once typing pauses, not at every key.
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    box.parentNode.insertBefore(spoken, box.nextSibling);
    box.parentNode.insertBefore(shown, box.nextSibling);
    var pause = null;
    // Characters as the server counts them (code points): an emoji is one, not two.
    function length() { return Array.from(box.value).length; }
    function message() {
      var left = limit - length();
      var name = (left < 0 ? "data-count-over" : "data-count-left") +
        (Math.abs(left) === 1 ? "-one" : "");
      return box.getAttribute(name).replace("%(n)s", String(Math.abs(left)));
    }
    function show() {
      shown.textContent = message();
      shown.classList.toggle("char-count-over", length() > limit);
      clearTimeout(pause);
      pause = setTimeout(function () { spoken.textContent = message(); }, 1000);
    }
    shown.textContent = message();
    box.addEventListener("input", show);
  }

  function sendOnce(form) {
    var sentAt = 0;
    form.addEventListener("submit", function (event) {
      var now = Date.now();
      if (now - sentAt < 1000) { event.preventDefault(); return; }
      sentAt = now;
    });
  }

  // What the form would send, but for its hidden fields (token, screening mark).
  function answersIn(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      var field = form.elements[name];
      if (!(field && field.type === "hidden")) { pairs.push(name + "=" + value); }
    });
    return pairs.join("&");
  }

  function askBeforeDropping(form, link) {
    // A page shown again with errors holds answers the server did not save.
    var shown = document.querySelector("[data-error-summary]") ? null : answersIn(form);
    link.addEventListener("click", function (event) {
      if (answersIn(form) !== shown && !window.confirm(link.getAttribute("data-unsaved"))) {
        event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('form[method="post"]').forEach(sendOnce);
    document.querySelectorAll("textarea[data-maxlength]").forEach(countCharacters);
    document.querySelectorAll("form[data-conditional]").forEach(function (form) {
      form.classList.add("js-conditional");
      update(form);
      form.addEventListener("change", function () { update(form); });
      form.addEventListener("input", function () { update(form); });
      var back = document.querySelector("a.back-link[data-unsaved]");
      if (back) { askBeforeDropping(form, back); }
    });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    } else if (/^#field-[\w-]+$/.test(window.location.hash)) {
      var question = document.getElementById(window.location.hash.slice(1));
      var control = question && question.querySelector("input, textarea, select");
      // After load: the browser's own move to the #fragment would take focus back.
      if (control) { window.addEventListener("load", function () { control.focus(); }); }
    }
  });
})();
