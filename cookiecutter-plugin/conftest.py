"""The template folder holds Jinja placeholders, not Python: never collect it."""

collect_ignore_glob = ["sdd-*"]
