/*
 * Prices page: show only the chosen service's specifications, and the size and duration fields when
 * they apply. Without JavaScript every option stays visible and the server checks the choice.
 */
(function () {
  "use strict";

  var LINEAR = { evs: true, vpc: true };

  function update(form) {
    var service = form.querySelector("[name=service]");
    var spec = form.querySelector("[name=spec]");
    if (!service || !spec) return;
    var label = service.options[service.selectedIndex].text;
    var firstVisible = null;
    Array.prototype.forEach.call(spec.querySelectorAll("optgroup"), function (group) {
      var match = group.label === label;
      group.hidden = !match;
      group.disabled = !match;
      if (match && !firstVisible) firstVisible = group.querySelector("option");
    });
    var selected = spec.options[spec.selectedIndex];
    if ((!selected || selected.parentNode.disabled) && firstVisible) spec.value = firstVisible.value;
    var size = form.querySelector("[data-size-field]");
    if (size) size.hidden = !LINEAR[service.value];
    var billing = form.querySelector("[name=billing]:checked");
    var period = form.querySelector("[data-period-field]");
    if (period) period.hidden = billing && billing.value === "pay_per_use";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("price-form");
    if (!form) return;
    update(form);
    // Before htmx sends the change (listeners on the form run first in capture order is not guaranteed,
    // so update on `input` as well).
    form.addEventListener("input", function () { update(form); }, true);
    form.addEventListener("change", function () { update(form); }, true);
  });
})();
