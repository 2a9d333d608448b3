/* ecogov web workspace: the action forms of a case (预警与任务).
 * Each <form class="case-action" data-action="..."> posts, as multipart, to the cases API
 * (POST /api/v1/cases/{id}/transitions): the action, the comment, the declared fields as one JSON
 * object ("fields") and the evidence files ("files"), with the session's CSRF token copied from the
 * readable ecogov_csrf cookie into the X-CSRF-Token header. A refusal names the field it concerns
 * (loc "fields.reason", "comment", "attachments[0]…"); the message is shown next to that field.
 * No inline script and no handler attributes: the page's Content-Security-Policy forbids them. */
(function () {
  "use strict";

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (part) {
      return part.indexOf(name + "=") === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function slotFor(form, location) {
    var key = location.indexOf("attachments") === 0 || location === "files" ? "attachments" : location;
    return form.querySelector('.field-error[data-for="' + key + '"]') || form.querySelector(".form-error");
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (slot) {
      slot.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
    });
  }

  function showError(form, location, message) {
    var slot = slotFor(form, location);
    slot.textContent = slot.textContent ? slot.textContent + " " + message : message;
    var input = location.indexOf("fields.") === 0 || location === "comment"
      ? form.querySelector('[name="' + location + '"]')
      : location.indexOf("attachments") === 0 ? form.querySelector('[name="files"]') : null;
    if (input) { input.setAttribute("aria-invalid", "true"); }
  }

  function showRefusal(form, status, body) {
    var english = document.body.getAttribute("data-lang") === "en";
    var detail = body && body.detail;
    if (Array.isArray(detail)) {
      detail.forEach(function (item) {
        var loc = (item.loc || []).filter(function (part) { return part !== "body"; }).join(".");
        showError(form, loc, item.msg || String(item));
      });
    } else {
      showError(form, "", (english ? "Refused (" : "未能办理（") + status + (english ? "): " : "）：") +
        (detail || ""));
    }
  }

  function payload(form) {
    var data = new FormData();
    var fields = {};
    data.append("action", form.getAttribute("data-action"));
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name || "";
      if (name.indexOf("fields.") === 0 && element.value !== "") {
        fields[name.slice("fields.".length)] = element.value;
      } else if (name === "comment" && element.value.trim() !== "") {
        data.append("comment", element.value);
      } else if (name === "files") {
        Array.prototype.forEach.call(element.files, function (file) { data.append("files", file, file.name); });
      }
    });
    data.append("fields", JSON.stringify(fields));
    return data;
  }

  function submit(event) {
    event.preventDefault();
    var form = event.currentTarget;
    var button = form.querySelector("button[type=submit]");
    clearErrors(form);
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST", body: payload(form), credentials: "same-origin",
      headers: {"X-CSRF-Token": cookie("ecogov_csrf"), "Accept": "application/json"}
    })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (ignored) { body = {detail: text}; }
          return {ok: response.ok, status: response.status, body: body};
        });
      })
      .then(function (result) {
        if (result.ok) {
          window.location.assign(window.location.pathname + "?done=" + encodeURIComponent(form.getAttribute("data-action")));
          return;
        }
        button.disabled = false;
        showRefusal(form, result.status, result.body);
      })
      .catch(function (error) {
        button.disabled = false;
        showError(form, "", String(error));
      });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.case-action"), function (form) {
    form.addEventListener("submit", submit);
  });
})();
