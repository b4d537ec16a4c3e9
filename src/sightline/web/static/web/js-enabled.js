// Marks the page as having JavaScript before GOV.UK Frontend's styles settle, so
// components that hide content until scripted do not flash. Loaded as a file at the
// top of <body>, not written inline, so the Content Security Policy allows no inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
