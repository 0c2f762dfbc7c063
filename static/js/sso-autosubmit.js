/*
 * Single sign-on into the HUAWEI CLOUD console: post the signed SAMLResponse at once.
 * Without JavaScript the visible Continue button does the same.
 */
(function () {
  "use strict";

  function submit() {
    var form = document.querySelector("form[data-sso-autosubmit]");
    if (form) form.submit();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", submit);
  } else {
    submit();
  }
})();
