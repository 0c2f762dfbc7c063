/*
 * Sign-up page: live checks beside the account name, email and mobile fields, and "Send code"
 * without a page reload, with a countdown before a new code can be asked for.
 * Without JavaScript the form does the same through plain POSTs.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var form = document.querySelector("form.signup-form");
    if (!form) return;
    var checkUrl = form.getAttribute("data-check-url");
    var codeUrl = form.getAttribute("data-code-url");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

    // --- live identity checks -------------------------------------------------------------
    var timers = {};
    var lastAsked = {};
    var pending = {};

    function valueFor(kind) {
      if (kind !== "mobile") return form.elements[kind === "account_name" ? "account_name" : kind].value.trim();
      var code = form.elements.mobile_country_code.value.trim().replace(/^\+/, "");
      var number = form.elements.mobile_number.value.replace(/\s+/g, "");
      if (!number) return "";
      if (code && code.indexOf("00") !== 0) code = "00" + code;
      return code + "-" + number;
    }

    function check(kind) {
      var target = document.getElementById("check-" + kind);
      var value = valueFor(kind);
      if (!target) return;
      if (!value) {
        target.innerHTML = "";
        lastAsked[kind] = "";
        return;
      }
      if (value === lastAsked[kind]) return;
      lastAsked[kind] = value;
      if (pending[kind]) pending[kind].abort();
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      pending[kind] = controller;
      var url = checkUrl + "?field=" + encodeURIComponent(kind) + "&value=" + encodeURIComponent(value);
      fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (lastAsked[kind] === value) target.innerHTML = html;
        })
        .catch(function () { /* aborted or offline: the server checks again on submit */ });
    }

    function schedule(kind) {
      clearTimeout(timers[kind]);
      timers[kind] = setTimeout(function () { check(kind); }, DEBOUNCE_MS);
    }

    form.addEventListener("input", function (event) {
      var kind = event.target.getAttribute("data-check");
      if (event.target.name === "mobile_country_code") kind = "mobile";
      if (kind) schedule(kind);
    });
    form.addEventListener("focusout", function (event) {
      var kind = event.target.getAttribute("data-check");
      if (kind) {
        clearTimeout(timers[kind]);
        check(kind);
      }
    });

    // --- send code --------------------------------------------------------------------------
    var button = form.querySelector("[data-send-code]");
    var status = document.getElementById("code-status");
    var countdown = null;

    function startCountdown(seconds) {
      clearInterval(countdown);
      var left = Math.max(0, Math.ceil(seconds));
      function tick() {
        if (left <= 0) {
          clearInterval(countdown);
          button.disabled = false;
          button.textContent = button.getAttribute("data-label");
          return;
        }
        button.disabled = true;
        button.textContent = button.getAttribute("data-wait-label").replace("__SECONDS__", left);
        left -= 1;
      }
      tick();
      countdown = setInterval(tick, 1000);
    }

    if (button) {
      var initialWait = parseInt(button.getAttribute("data-wait") || "0", 10);
      if (initialWait > 0) startCountdown(initialWait);

      button.addEventListener("click", function (event) {
        event.preventDefault();
        var body = new FormData();
        body.append("email", form.elements.email.value);
        button.disabled = true;
        fetch(codeUrl, {
          method: "POST",
          body: body,
          headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
          credentials: "same-origin"
        })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            status.textContent = data.message;
            status.classList.toggle("code-status-error", !data.ok);
            if (data.retry_after) startCountdown(data.retry_after);
            else button.disabled = false;
            if (data.ok) form.elements.verification_code.focus();
          })
          .catch(function () {
            button.disabled = false;
            // Fall back to the plain form post, which works without this script.
            form.requestSubmit ? form.requestSubmit(button) : form.submit();
          });
      });
    }
  });
})();
