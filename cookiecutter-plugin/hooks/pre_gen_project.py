"""Refuse names that would make a broken plugin, before anything is written."""

import re
import sys

hyphenated = "{{ cookiecutter.hyphenated }}"
underscored = "{{ cookiecutter.underscored }}"
rule_code = "{{ cookiecutter.rule_code }}"

problems = []
if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", hyphenated):
    problems.append(f"plugin name gives {hyphenated!r}: use letters, digits, spaces or '-',"
                    " starting with a letter")
if not underscored.isidentifier():
    problems.append(f"package name sdd_{underscored} is not a Python identifier")
if not re.fullmatch(r"[A-Z]{1,3}[0-9]{2,4}", rule_code):
    problems.append(f"rule_code {rule_code!r}: use 1-3 upper-case letters and 2-4 digits,"
                    " like X001")
if problems:
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    sys.exit(1)
