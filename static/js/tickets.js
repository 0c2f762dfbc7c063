// Tickets: hide the no-JavaScript "Update choices" buttons (htmx narrows the choices instead) and keep
// a second click from sending a form twice (the server is idempotent anyway).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".js-hide").forEach((element) => { element.style.display = "none"; });
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      if (!button || !button.hasAttribute("data-once")) return;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
});
