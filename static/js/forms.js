/* Forms on every page, without inline script (the CSP forbids it):
   - an action's button unfolds its form in place (without JavaScript it opens the step's page);
   - a destructive step or bulk change asks in a dialog, in the page's language, with the question
     the server wrote into data-confirm (without JavaScript a required confirmation box asks);
   - a file input shows the product's own chooser and the chosen file's name;
   - a table too wide for the screen (.table-wrap scrolls sideways) can be reached and scrolled
     with the keyboard.
   The <html> element gets the class "js" so the stylesheet can swap the no-script fallbacks. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  function firstField(panel) {
    return panel.querySelector("input:not([type=hidden]), select, textarea, button[type=submit]");
  }

  function ready() {
    each("button[data-opens]", function (button) {
      var panel = document.getElementById(button.getAttribute("data-opens"));
      if (!panel) { return; }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        panel.hidden = !open;
        if (open) { var f = firstField(panel); if (f) { f.focus(); } }
      });
    });

    each("form[data-confirm]", function (form) {
      form.addEventListener("submit", function (event) {
        var box = form.querySelector("[data-confirm-box] input[type=checkbox]");
        if (form.getAttribute("data-confirmed") === "yes") { return; }
        event.preventDefault();
        ask(form, function () {
          if (box) { box.checked = true; }
          form.setAttribute("data-confirmed", "yes");
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        });
      });
    });

    each(".table-wrap", function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
      }
    });

    each(".file-chooser input[type=file]", function (input) {
      var shown = input.parentNode.querySelector(".file-name");
      if (!shown) { return; }
      input.addEventListener("change", function () {
        var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
        shown.textContent = names.length ? names.join(", ") : shown.getAttribute("data-none");
      });
    });
  }

  // A modal <dialog> with the form's question and two buttons in the page's language.
  function ask(form, onYes) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-question");
    var question = document.createElement("p");
    question.id = "confirm-question";
    question.textContent = form.getAttribute("data-confirm");
    var actions = document.createElement("div");
    actions.className = "form-actions";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "btn secondary";
    no.textContent = form.getAttribute("data-confirm-no") || "×";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "btn danger";
    yes.textContent = form.getAttribute("data-confirm-yes") || "OK";
    actions.appendChild(no);
    actions.appendChild(yes);
    dialog.appendChild(question);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    function close() { dialog.close(); dialog.remove(); }
    no.addEventListener("click", close);
    dialog.addEventListener("cancel", function () { dialog.remove(); });
    yes.addEventListener("click", function () { close(); onYes(); });
    dialog.showModal();
    no.focus();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());
