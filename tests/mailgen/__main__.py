"""``python -m tests.mailgen --count N --seed S --out DIR [--manifest FILE] [--to ADDRESS]``"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.mailgen import HELPDESK, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mailgen", description=__doc__)
    parser.add_argument("--count", type=int, required=True, help="how many messages")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True, help="directory for the .eml files")
    parser.add_argument("--manifest", type=Path, help="JSON lines, one truth per message")
    parser.add_argument("--to", default=HELPDESK, help="the helpdesk address mail is sent to")
    args = parser.parse_args(argv)
    written = write(args.count, args.seed, args.out, args.manifest, args.to)
    print(f"{written} messages in {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
