// outreach console: the pack editor validates the draft as it is typed.
// The page works without it (the Validate button posts the form).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("editor");
  if (!form || !form.getAttribute("data-validate")) { return; }
  var url = form.getAttribute("data-validate");
  var summary = document.getElementById("problems");
  var timer = null, seq = 0;

  function show(problems) {
    // Each file's problems go under its textarea, with their line.
    form.querySelectorAll(".packfile").forEach(function (box) {
      var list = box.querySelector(".problems");
      list.textContent = "";
      problems.forEach(function (p) {
        if (p.file !== box.getAttribute("data-path")) { return; }
        var li = document.createElement("li");
        li.textContent = (p.line ? "line " + p.line + ":" + p.col + ": " : "") + p.message;
        list.appendChild(li);
      });
    });
    summary.textContent = "";
    var head = document.createElement("p");
    if (problems.length === 0) {
      head.className = "ok";
      head.id = "valid";
      head.textContent = "The draft validates.";
      summary.appendChild(head);
      return;
    }
    head.className = "error";
    head.textContent = "The draft does not validate:";
    summary.appendChild(head);
    var ul = document.createElement("ul");
    ul.className = "problems";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = p.formatted;
      li.appendChild(code);
      ul.appendChild(li);
    });
    summary.appendChild(ul);
  }

  function validate() {
    var mine = ++seq;
    var body = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (typeof v === "string" && k !== "csrf") { body.append(k, v); }
    });
    fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": window.outreachCSRF(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    }).then(function (out) {
      if (mine === seq) { show(out.problems); }
    }).catch(function () { /* the Validate button still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(validate, 400);
  });
});
