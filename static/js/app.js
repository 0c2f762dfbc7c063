/*
 * Site-wide behaviour, small on purpose: every page works without it.
 * Loaded in <head> without `defer` so the `js` class is set before first paint.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Forms marked data-autosubmit (the language switch) submit when their <select> changes;
  // without JavaScript the visible submit button does the same.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLSelectElement)) return;
    var form = target.form;
    if (!form || !form.hasAttribute("data-autosubmit")) return;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
