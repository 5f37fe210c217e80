from intramuros.cli import main

raise SystemExit(main())
