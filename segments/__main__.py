from segments.cli import main

raise SystemExit(main())
