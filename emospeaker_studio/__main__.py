from emospeaker_studio.cli import main

raise SystemExit(main())
