"""Web: the GOV.UK-styled pages; thin views over services and selectors."""
