"""The rules: forms (printed layouts) and schemes (scoring rules), built-in and a project's own, and the formula kinds they choose from."""
