from voice_tools.cli import main

raise SystemExit(main())
