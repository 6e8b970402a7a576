#!/usr/bin/env python3
"""Copies generated tables into README.md between markers, so the README shows
what the scripts produced and nothing typed by hand:

    <!-- begin: results/tables/NAME.md -->
    ...replaced...
    <!-- end: results/tables/NAME.md -->

usage: readme_tables.py [README.md]   (exit 2 if a referenced table is missing)
"""
import pathlib
import re
import sys

MARKER = re.compile(r"(<!-- begin: (?P<path>[^ ]+) -->\n)(?P<body>.*?)(<!-- end: (?P=path) -->)", re.S)


def main(argv):
    readme = pathlib.Path(argv[1] if len(argv) > 1 else "README.md")
    root = readme.resolve().parent
    text = readme.read_text()

    def fill(match):
        table = root / match.group("path")
        if not table.is_file():
            sys.exit(f"readme_tables.py: error: {table} does not exist (run the main job first)")
        body = table.read_text()
        if body.startswith("# "):  # the table file's own title: the README has its heading
            body = body.split("\n", 1)[1].lstrip("\n")
        return match.group(1) + body.rstrip("\n") + "\n" + match.group(4)

    readme.write_text(MARKER.sub(fill, text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
