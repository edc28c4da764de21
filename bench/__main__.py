from bench.run import run

raise SystemExit(run())
