"""Programs built with `go install`: where they land (gobin), which Go built them (scan),
rebuilding them with the selected Go (reinstall), and the default-packages file (defaults)."""
