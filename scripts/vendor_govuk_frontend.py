"""Vendor GOV.UK Frontend's built CSS and JS without GOV.UK branding.

GOV.UK Frontend's code is MIT-licensed, but the GDS Transport typeface and the
crest are for GOV.UK services only. Accord is not one, so this script copies
the compiled assets and strips the typeface and crest references. Run it with
the path of an unpacked ``govuk-frontend`` npm package (``npm pack
govuk-frontend``) when upgrading; the output is committed.
"""

import re
import shutil
import sys
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "src/accord/web/static/vendor/govuk-frontend"
SYSTEM_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'


def main(package: Path) -> None:
    dist = package / "dist" / "govuk"
    css = (dist / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("font-family:GDS Transport,arial,sans-serif", f"font-family:{SYSTEM_FONTS}")
    css = css.replace("font-family:GDS Transport", f"font-family:{SYSTEM_FONTS}")
    css = re.sub(r"url\(/assets/images/govuk-crest\.svg\)", "none", css)
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    if "GDS Transport" in css or "/assets/" in css:
        raise SystemExit("branding references remain in the CSS; update this script")
    DEST.mkdir(parents=True, exist_ok=True)
    (DEST / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (dist / "govuk-frontend.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=.*", "", js)
    (DEST / "govuk-frontend.min.js").write_text(js, encoding="utf-8")
    version = __import__("json").loads((package / "package.json").read_text())["version"]
    (DEST / "VERSION").write_text(version + "\n", encoding="utf-8")
    shutil.copy(package / "README.md", DEST / "UPSTREAM-README.md")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
