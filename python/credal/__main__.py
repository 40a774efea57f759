"""python -m credal plot OUT.h5 -o fig.png [--hypothesis H] [--kind summary|intervals|regret|rules]
The figure's format follows the name (PNG, SVG, PDF)."""
import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m credal")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="draw a credal result (credal eval's output)")
    p.add_argument("result")
    p.add_argument("-o", "--output", required=True, help="fig.png, fig.svg or fig.pdf")
    p.add_argument("--kind", choices=("summary", "intervals", "regret", "rules"), default="summary")
    p.add_argument("--hypothesis", type=int, help="one hypothesis instead of the class")
    args = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    from . import plot
    from ._errors import Error
    try:
        res = plot.read(args.result)
        if args.kind == "summary":
            fig = plot.summary(res)
        elif args.kind == "regret":
            fig = plot.regret(res)
        else:
            fig = getattr(plot, args.kind)(res, hypothesis=args.hypothesis)
        fig.savefig(args.output, dpi=150)
    except (OSError, KeyError, ValueError, IndexError, Error) as e:
        print(f"python -m credal plot: {args.result}: {e}", file=sys.stderr)
        return 65
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
