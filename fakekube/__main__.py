from fakekube.cli import main

raise SystemExit(main())
