// Starts GOV.UK Frontend's components (service navigation, password reveal, error
// summary focus). A file rather than an inline script, so a strict Content Security
// Policy can be added without exceptions.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
